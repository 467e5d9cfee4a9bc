//! `triggers-admin backfill <pool> [--from-token T] [--rate N] [--phone]`: reservations for the
//! users that existed before pre sign-up reserved addresses, so that the table alone knows every
//! address in use (and `CHECK_EXISTING_USERS=false` becomes safe; docs/operations.md).
//!
//! Which users get what ([`plan`]):
//! - UNCONFIRMED users: none. Pre sign-up never lets an unconfirmed user block an address (its
//!   take-over rule), so a reservation for them would block the real owner for nothing.
//! - EXTERNAL_PROVIDER (federated) users: none. Pre sign-up never reserves for federated
//!   sign-ups: their address is the linked native user's, who has the reservation.
//! - Every other user (CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED …, disabled ones too):
//!   a CONFIRMED reservation of each address it holds ([`crate::holder`]: present and verified),
//!   the e-mail address always, the phone number with `--phone`. Written with
//!   `trigger_core::reservations::confirm`, which never takes a value another user holds.
//!
//! Idempotent: a row that is already the user's and confirmed is only read, never rewritten, so a
//! second run writes nothing and finds the same rows. ListUsers is paced below its fixed quota
//! ([`crate::pace`]); throttling and brief outages back off and retry the same page; a run that
//! stops prints the page token to resume from, as does every page's progress line.

use std::time::Duration;

use tokio::task::JoinSet;
use trigger_core::logging::mask_identifier;
use trigger_core::ports::{DirectoryUser, PortError, PortErrorKind, Store, UserPage, UserStatus};
use trigger_core::reservations::{self, CONFIRMED, Confirmation, Kind, OWNER, STATUS};

use crate::command::Backfill;
use crate::pace::{RateLimiter, backoff};
use crate::{Outcome, Ports};

/// ListUsers' largest page.
pub const PAGE_SIZE: u32 = 60;
/// Users of one page handled at the same time (a few table calls each).
const CONCURRENCY: usize = 8;
/// Consecutive throttled ListUsers calls tolerated before the run stops (about 8 minutes of
/// back-off at 30 s each past the first few).
pub const MAX_THROTTLED: u32 = 20;
/// Consecutive timeouts / 5xx tolerated before the run stops.
pub const MAX_UNAVAILABLE: u32 = 5;
/// Conflicts listed one by one in the report; the rest are counted.
const CONFLICTS_LISTED: usize = 50;

/// Why a user gets no reservation at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSkip {
    Unconfirmed,
    Federated,
}

/// What to do about one of a user's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValuePlan {
    /// Reserve this (normalised) value for the user.
    Reserve(String),
    NoAddress,
    NotVerified,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    Skip(UserSkip),
    Values(Vec<(Kind, ValuePlan)>),
}

/// Which of `user`'s values (of `kinds`) get a reservation.
pub fn plan(user: &DirectoryUser, kinds: &[Kind]) -> Plan {
    match user.status {
        UserStatus::Unconfirmed => return Plan::Skip(UserSkip::Unconfirmed),
        UserStatus::ExternalProvider => return Plan::Skip(UserSkip::Federated),
        _ => {}
    }
    Plan::Values(
        kinds
            .iter()
            .map(|&kind| {
                let value = user.attribute(kind.attribute()).map(|v| kind.normalise(v)).filter(|v| !v.is_empty());
                let plan = match value {
                    None => ValuePlan::NoAddress,
                    Some(value) if reservations::holds_verified(user, kind, &value) => ValuePlan::Reserve(value),
                    Some(_) => ValuePlan::NotVerified,
                };
                (kind, plan)
            })
            .collect(),
    )
}

/// A value reserved for another user than the one that has it verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub kind: Kind,
    pub value: String,
    pub user: String,
    pub holder: String,
}

/// The counts of a run (or of one page, added up).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub users_seen: u64,
    pub pages: u64,
    pub list_users_calls: u64,
    pub throttled: u64,
    pub created: u64,
    pub already_theirs: u64,
    pub held_by_other: u64,
    pub skipped_unconfirmed: u64,
    pub skipped_federated: u64,
    pub no_address: u64,
    pub not_verified: u64,
    pub conflicts: Vec<Conflict>,
}

impl Tally {
    fn add(&mut self, other: Self) {
        self.users_seen += other.users_seen;
        self.pages += other.pages;
        self.list_users_calls += other.list_users_calls;
        self.throttled += other.throttled;
        self.created += other.created;
        self.already_theirs += other.already_theirs;
        self.held_by_other += other.held_by_other;
        self.skipped_unconfirmed += other.skipped_unconfirmed;
        self.skipped_federated += other.skipped_federated;
        self.no_address += other.no_address;
        self.not_verified += other.not_verified;
        self.conflicts.extend(other.conflicts);
    }

    fn skipped(&self) -> u64 {
        self.skipped_unconfirmed + self.skipped_federated + self.no_address + self.not_verified
    }
}

/// What happened to one value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reserved {
    Created,
    AlreadyTheirs,
    HeldByOther(String),
}

async fn reserve(
    store: &dyn Store,
    pool: &str,
    kind: Kind,
    value: &str,
    owner: &str,
    now: i64,
) -> Result<Reserved, PortError> {
    let key = reservations::key(pool, kind, value);
    if let Some(row) = store.get(&key).await?
        && row.str(OWNER) == Some(owner)
        && row.str(STATUS) == Some(CONFIRMED)
        && !row.is_expired(now)
    {
        return Ok(Reserved::AlreadyTheirs);
    }
    Ok(match reservations::confirm(store, pool, kind, value, owner, now).await? {
        Confirmation::Permanent => Reserved::AlreadyTheirs,
        Confirmation::Created => Reserved::Created,
        Confirmation::HeldByOther { owner } => Reserved::HeldByOther(owner),
    })
}

/// One user: its plan, carried out. An error leaves the values before it done (idempotent).
async fn backfill_user(
    store: &dyn Store,
    pool: &str,
    user: &DirectoryUser,
    kinds: &[Kind],
    now: i64,
) -> Result<Tally, PortError> {
    let mut tally = Tally::default();
    let values = match plan(user, kinds) {
        Plan::Skip(UserSkip::Unconfirmed) => {
            tally.skipped_unconfirmed = 1;
            return Ok(tally);
        }
        Plan::Skip(UserSkip::Federated) => {
            tally.skipped_federated = 1;
            return Ok(tally);
        }
        Plan::Values(values) => values,
    };
    for (kind, value) in values {
        match value {
            ValuePlan::NoAddress => tally.no_address += 1,
            ValuePlan::NotVerified => tally.not_verified += 1,
            ValuePlan::Reserve(value) => match reserve(store, pool, kind, &value, &user.username, now).await? {
                Reserved::Created => tally.created += 1,
                Reserved::AlreadyTheirs => tally.already_theirs += 1,
                Reserved::HeldByOther(holder) => {
                    tally.held_by_other += 1;
                    tally.conflicts.push(Conflict { kind, value, user: user.username.clone(), holder });
                }
            },
        }
    }
    Ok(tally)
}

/// Every user of a page, a few at a time. Returns what was done, and the first error if any (the
/// page is then not complete: the run stops and resumes at this page).
async fn backfill_page(
    ports: &Ports,
    pool: &str,
    users: Vec<DirectoryUser>,
    kinds: &[Kind],
) -> (Tally, Option<String>) {
    let now = ports.clock.epoch_seconds();
    let mut tally = Tally::default();
    let mut failure = None;
    let mut tasks = JoinSet::new();
    let mut users = users.into_iter();
    loop {
        while tasks.len() < CONCURRENCY {
            let Some(user) = users.next() else { break };
            let (store, pool, kinds) = (ports.store.clone(), pool.to_owned(), kinds.to_vec());
            tasks.spawn(async move { backfill_user(store.as_ref(), &pool, &user, &kinds, now).await });
        }
        let Some(joined) = tasks.join_next().await else { break };
        match joined {
            Ok(Ok(done)) => tally.add(done),
            Ok(Err(err)) => failure = failure.or(Some(crate::brief(&err))),
            Err(err) => failure = failure.or(Some(format!("a task failed: {err}"))),
        }
        if failure.is_some() {
            // Let the users under way finish; start no more.
            users = Vec::new().into_iter();
        }
    }
    (tally, failure)
}

fn kinds_text(kinds: &[Kind]) -> &'static str {
    if kinds.contains(&Kind::Phone) { "e-mail addresses and phone numbers" } else { "e-mail addresses" }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// `[#########-----------]  45% of about 1320 users`: the share of Cognito's estimate seen so far
/// (capped at 100 %: the estimate lags behind sign-ups). `None` without an estimate.
pub fn bar(seen: u64, estimate: Option<u64>) -> Option<String> {
    const WIDTH: u64 = 20;
    let total = estimate.filter(|total| *total > 0)?;
    let filled = (seen.saturating_mul(WIDTH) / total).min(WIDTH) as usize;
    let percent = (seen.saturating_mul(100) / total).min(100);
    let blank = WIDTH as usize - filled;
    Some(format!("[{}{}] {percent:>3}% of about {total} users", "#".repeat(filled), "-".repeat(blank)))
}

fn progress_line(page: u64, tally: &Tally, estimate: Option<u64>, elapsed: Duration, next: Option<&str>) -> String {
    let resume = match next {
        Some(token) => format!("resume with --from-token {token}"),
        None => "last page".to_owned(),
    };
    let bar = bar(tally.users_seen, estimate).map(|bar| format!("{bar} · ")).unwrap_or_default();
    format!(
        "{bar}page {page}: {} users seen, {} reserved, {} already theirs, {} held by another user, {} skipped (users and values) · {} · {resume}",
        tally.users_seen,
        tally.created,
        tally.already_theirs,
        tally.held_by_other,
        tally.skipped(),
        seconds(elapsed)
    )
}

fn resume_command(request: &Backfill, token: Option<&str>) -> String {
    let mut command = format!("triggers-admin backfill {}", request.user_pool_id);
    if let Some(token) = token {
        command.push_str(&format!(" --from-token {token}"));
    }
    if request.phone {
        command.push_str(" --phone");
    }
    command.push_str(&format!(" --rate {}", request.rate));
    command
}

fn report(
    request: &Backfill,
    kinds: &[Kind],
    tally: &Tally,
    elapsed: Duration,
    stop: Option<(String, Option<&str>)>,
) -> String {
    let state = match &stop {
        None => "complete".to_owned(),
        Some((reason, _)) => format!("STOPPED: {reason}"),
    };
    let mut lines = vec![
        format!("backfill of user pool {} ({}): {state}", request.user_pool_id, kinds_text(kinds)),
        format!(
            "users seen: {} in {} page(s); ListUsers calls: {} ({} throttled), at most {}/s; run time {}",
            tally.users_seen,
            tally.pages,
            tally.list_users_calls,
            tally.throttled,
            request.rate,
            seconds(elapsed)
        ),
        format!("reservations created: {}", tally.created),
        format!("already theirs: {}", tally.already_theirs),
        format!("held by another user: {}", tally.held_by_other),
    ];
    let mut conflicts = tally.conflicts.clone();
    conflicts.sort_by(|a, b| (&a.value, &a.user).cmp(&(&b.value, &b.user)));
    for conflict in conflicts.iter().take(CONFLICTS_LISTED) {
        let what = match conflict.kind {
            Kind::Email => "e-mail address",
            Kind::Phone => "phone number",
        };
        let holder =
            if conflict.holder.is_empty() { "(unknown)".to_owned() } else { mask_identifier(&conflict.holder) };
        lines.push(format!(
            "  {what} {}: {} has it verified, but it is reserved for {holder} (check with `triggers-admin release`)",
            mask_identifier(&conflict.value),
            mask_identifier(&conflict.user),
        ));
    }
    if conflicts.len() > CONFLICTS_LISTED {
        lines.push(format!("  … and {} more", conflicts.len() - CONFLICTS_LISTED));
    }
    lines.push(format!(
        "skipped users: {} unconfirmed, {} federated",
        tally.skipped_unconfirmed, tally.skipped_federated
    ));
    lines.push(format!("skipped values: {} without an address, {} not verified", tally.no_address, tally.not_verified));
    if let Some((_, token)) = stop {
        lines.push(format!("resume with: {}", resume_command(request, token)));
    }
    lines.join("\n")
}

/// The page at `token`, paced by `limiter`; throttling and brief outages are waited out (the same
/// page is asked for again). `Err` says why the run must stop.
async fn fetch_page(
    ports: &Ports,
    pool: &str,
    token: Option<&str>,
    limiter: &mut RateLimiter,
    tally: &mut Tally,
) -> Result<UserPage, String> {
    let (mut throttled_in_a_row, mut unavailable_in_a_row) = (0, 0);
    loop {
        let wait = limiter.delay(ports.pace.now());
        if !wait.is_zero() {
            ports.pace.sleep(wait).await;
        }
        tally.list_users_calls += 1;
        let err = match ports.directory.list_users_page(pool, token, PAGE_SIZE).await {
            Ok(page) => return Ok(page),
            Err(err) => err,
        };
        let (in_a_row, limit) = match err.kind {
            PortErrorKind::Throttled => {
                tally.throttled += 1;
                (&mut throttled_in_a_row, MAX_THROTTLED)
            }
            PortErrorKind::Timeout | PortErrorKind::Unavailable => (&mut unavailable_in_a_row, MAX_UNAVAILABLE),
            PortErrorKind::Rejected | PortErrorKind::Unauthorized => return Err(crate::brief(&err)),
        };
        if *in_a_row >= limit {
            return Err(crate::brief(&err));
        }
        *in_a_row += 1;
        let wait = backoff(*in_a_row);
        ports.progress.line(&format!(
            "ListUsers {} ({} in a row): waiting {} before asking for the same page again",
            err.kind,
            *in_a_row,
            seconds(wait)
        ));
        ports.pace.sleep(wait).await;
    }
}

/// Cognito's estimate of the pool's size, for the bar; only for a run from the first page (a
/// resumed run does not know how much lies behind it).
async fn estimate(ports: &Ports, request: &Backfill) -> Option<u64> {
    if request.from_token.is_some() {
        return None;
    }
    match ports.directory.estimated_user_count(&request.user_pool_id).await {
        Ok(estimate) => estimate,
        Err(err) => {
            ports.progress.line(&format!("no progress bar: {}", crate::brief(&err)));
            None
        }
    }
}

pub async fn run(request: &Backfill, ports: &Ports) -> Outcome {
    let pool = request.user_pool_id.as_str();
    let kinds: Vec<Kind> = if request.phone { vec![Kind::Email, Kind::Phone] } else { vec![Kind::Email] };
    let started = ports.pace.now();
    let mut limiter = RateLimiter::per_second(request.rate);
    let mut token = request.from_token.clone();
    let mut tally = Tally::default();
    let estimate = estimate(ports, request).await;
    ports.progress.line(&format!(
        "backfill of user pool {pool} ({}), at most {} ListUsers calls/s, from {}",
        kinds_text(&kinds),
        request.rate,
        if token.is_some() { "the page token given (no progress bar)" } else { "the first page" }
    ));
    let stop = loop {
        let page = match fetch_page(ports, pool, token.as_deref(), &mut limiter, &mut tally).await {
            Ok(page) => page,
            Err(reason) => break Some(reason),
        };
        let seen = page.users.len() as u64;
        let (done, failure) = backfill_page(ports, pool, page.users, &kinds).await;
        tally.add(done);
        if let Some(failure) = failure {
            break Some(format!("the table failed: {failure}"));
        }
        tally.users_seen += seen;
        tally.pages += 1;
        let elapsed = ports.pace.now().saturating_sub(started);
        ports.progress.line(&progress_line(tally.pages, &tally, estimate, elapsed, page.next_token.as_deref()));
        match page.next_token {
            Some(next) => token = Some(next),
            None => break None,
        }
    };
    let elapsed = ports.pace.now().saturating_sub(started);
    match stop {
        None => Outcome::done(report(request, &kinds, &tally, elapsed, None)),
        Some(reason) => Outcome::failed(report(request, &kinds, &tally, elapsed, Some((reason, token.as_deref())))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::{Arc, Mutex};

    use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore};
    use trigger_core::ports::Item;

    use super::*;
    use crate::holder::tests::{POOL, confirmed_row, user};
    use crate::pace::tests::VirtualPace;
    use crate::{Progress, Status};

    #[derive(Default)]
    struct Lines(Mutex<Vec<String>>);

    impl Progress for Lines {
        fn line(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_owned());
        }
    }

    struct World {
        store: Arc<InMemoryStore>,
        directory: Arc<FakeDirectory>,
        pace: Arc<VirtualPace>,
        lines: Arc<Lines>,
        clock: Arc<FixedClock>,
    }

    impl World {
        fn new(users: Vec<DirectoryUser>) -> Self {
            Self {
                store: Arc::new(InMemoryStore::default()),
                directory: Arc::new(FakeDirectory::with_users(users)),
                pace: Arc::new(VirtualPace::default()),
                lines: Arc::new(Lines::default()),
                clock: Arc::new(FixedClock::at_epoch_seconds(1_700_000_000)),
            }
        }

        fn ports(&self) -> Ports {
            Ports {
                store: self.store.clone(),
                directory: self.directory.clone(),
                clock: self.clock.clone(),
                pace: self.pace.clone(),
                progress: self.lines.clone(),
                events: trigger_core::domain_events::Events::disabled(),
            }
        }

        fn lines(&self) -> Vec<String> {
            self.lines.0.lock().unwrap().clone()
        }

        fn rows(&self) -> Vec<Item> {
            self.store.items()
        }
    }

    fn request(from_token: Option<&str>, phone: bool) -> Backfill {
        Backfill { user_pool_id: POOL.into(), from_token: from_token.map(str::to_owned), rate: 10, phone }
    }

    fn verified(i: usize) -> DirectoryUser {
        let email = format!("user{i}@example.com");
        user(&format!("user-{i}"), UserStatus::Confirmed, &[("email", email.as_str()), ("email_verified", "true")])
    }

    /// 130 users, three pages: 120 verified confirmed users, and one of each other kind.
    fn pool() -> Vec<DirectoryUser> {
        let mut users: Vec<DirectoryUser> = (0..120).map(verified).collect();
        users.push(user("u-unconfirmed", UserStatus::Unconfirmed, &[("email", "u@example.com")]));
        users.push(user("google_1", UserStatus::ExternalProvider, &[("email", "g@example.com")]));
        users.push(user("no-mail", UserStatus::Confirmed, &[("phone_number", "+15550001")]));
        users.push(user("unverified", UserStatus::Confirmed, &[("email", "unv@example.com")]));
        users.push(user(
            "admin-made",
            UserStatus::ForceChangePassword,
            &[("email", "Admin@Example.com"), ("email_verified", "true")],
        ));
        let phone = [("email", "p@example.com"), ("email_verified", "true")];
        let phone = [phone.as_slice(), &[("phone_number", "+15550002"), ("phone_number_verified", "true")]].concat();
        users.push(user("phone-user", UserStatus::Confirmed, &phone));
        let mut disabled = verified(500);
        disabled.enabled = false;
        users.push(disabled);
        users.push(user("reset", UserStatus::ResetRequired, &[("email", "r@example.com"), ("email_verified", "true")]));
        users.push(user("dup", UserStatus::Confirmed, &[("email", "user0@example.com"), ("email_verified", "true")]));
        users.push(user("squatted", UserStatus::Confirmed, &[("email", "sq@example.com"), ("email_verified", "true")]));
        users
    }

    #[test]
    fn the_bar_fills_with_the_share_of_the_estimate() {
        assert_eq!(bar(0, Some(200)).unwrap(), "[--------------------]   0% of about 200 users");
        assert_eq!(bar(110, Some(200)).unwrap(), "[###########---------]  55% of about 200 users");
        assert_eq!(bar(260, Some(200)).unwrap(), "[####################] 100% of about 200 users", "capped");
        assert_eq!(bar(5, Some(0)), None);
        assert_eq!(bar(5, None), None);
    }

    #[test]
    fn the_plan_follows_status_and_verification() {
        let kinds = [Kind::Email, Kind::Phone];
        let u = user("u", UserStatus::Unconfirmed, &[("email", "a@b.c"), ("email_verified", "true")]);
        assert_eq!(plan(&u, &kinds), Plan::Skip(UserSkip::Unconfirmed));
        let f = user("google_1", UserStatus::ExternalProvider, &[("email", "a@b.c"), ("email_verified", "true")]);
        assert_eq!(plan(&f, &kinds), Plan::Skip(UserSkip::Federated));
        let c = user(
            "c",
            UserStatus::Confirmed,
            &[
                ("email", " A@B.C "),
                ("email_verified", "TRUE"),
                ("phone_number", "+1555"),
                ("phone_number_verified", "false"),
            ],
        );
        assert_eq!(
            plan(&c, &kinds),
            Plan::Values(vec![
                (Kind::Email, ValuePlan::Reserve("a@b.c".into())),
                (Kind::Phone, ValuePlan::NotVerified)
            ])
        );
        let blank = user("b", UserStatus::Compromised, &[("email", "  ")]);
        assert_eq!(plan(&blank, &[Kind::Email]), Plan::Values(vec![(Kind::Email, ValuePlan::NoAddress)]));
    }

    #[tokio::test]
    async fn pages_through_the_pool_and_counts_every_kind_of_user() {
        let world = World::new(pool());
        // Someone else holds one address already (a confirmed row from before).
        world.store.put(&confirmed_row("sq@example.com", "the-squatter", 1), None).await.unwrap();
        let outcome = run(&request(None, false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        let r = &outcome.report;
        assert!(r.contains(": complete"), "{r}");
        assert!(r.contains("users seen: 130 in 3 page(s); ListUsers calls: 3 (0 throttled)"), "{r}");
        // 120 + admin-made + phone-user + disabled + reset; `dup` loses to user-0 (same page,
        // processed concurrently: one of the two wins), `squatted` to the existing row.
        assert!(r.contains("reservations created: 124\n"), "{r}");
        assert!(r.contains("held by another user: 2\n"), "{r}");
        assert!(r.contains("s***@example.com: squatted has it verified, but it is reserved for the-squatter"), "{r}");
        assert!(r.contains("skipped users: 1 unconfirmed, 1 federated"), "{r}");
        assert!(r.contains("skipped values: 1 without an address, 1 not verified"), "{r}");
        assert!(!r.contains("user0@example.com") && !r.contains("sq@example.com"), "addresses masked: {r}");
        assert_eq!(world.directory.pages_listed(), 3);

        let rows = world.rows();
        assert_eq!(rows.len(), 125, "124 created + the squatter's");
        assert!(rows.iter().all(|row| row.str(STATUS) == Some(CONFIRMED) && row.get("expiresAt").is_none()));
        let admin = world.store.get(&reservations::key(POOL, Kind::Email, "admin@example.com")).await.unwrap();
        assert_eq!(admin.unwrap().str(OWNER), Some("admin-made"));
        assert!(world.store.get(&reservations::key(POOL, Kind::Email, "u@example.com")).await.unwrap().is_none());

        let lines = world.lines();
        assert_eq!(lines.len(), 4, "a start line and one per page: {lines:?}");
        assert!(lines[1].starts_with("[#########-----------]  46% of about 130 users · page 1: 60 users seen"));
        assert!(lines[1].ends_with("resume with --from-token page-60"), "{lines:?}");
        assert!(lines[2].ends_with("resume with --from-token page-120"), "{lines:?}");
        assert!(lines[3].starts_with("[####################] 100% of about 130 users · page 3: 130 users seen"));
        assert!(lines[3].ends_with("last page"), "{lines:?}");
    }

    #[tokio::test]
    async fn a_second_run_changes_nothing_and_finds_every_row_theirs() {
        let world = World::new(pool());
        let first = run(&request(None, true), &world.ports()).await;
        assert_eq!(first.status, Status::Done, "{}", first.report);
        assert!(first.report.contains("reservations created: 126\n"), "phones too: {}", first.report);
        let rows = world.rows();
        world.clock.advance(Duration::from_secs(3_600)); // a rewrite would change updatedAt
        let second = run(&request(None, true), &world.ports()).await;
        assert_eq!(second.status, Status::Done, "{}", second.report);
        assert!(second.report.contains("reservations created: 0\n"), "{}", second.report);
        assert!(second.report.contains("already theirs: 126\n"), "{}", second.report);
        assert!(second.report.contains("held by another user: 1\n"), "the duplicate again: {}", second.report);
        assert_eq!(world.rows(), rows, "the same rows, not even updatedAt rewritten");
    }

    #[tokio::test]
    async fn resumes_from_a_page_token() {
        let world = World::new(pool());
        let outcome = run(&request(Some("page-60"), false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("users seen: 70 in 2 page(s)"), "{}", outcome.report);
        assert!(world.store.get(&reservations::key(POOL, Kind::Email, "user1@example.com")).await.unwrap().is_none());
        assert!(world.store.get(&reservations::key(POOL, Kind::Email, "user60@example.com")).await.unwrap().is_some());
        assert!(world.lines()[0].contains("from the page token given (no progress bar)"));
        assert!(!world.lines()[1].contains('%'), "{:?}", world.lines());
    }

    #[tokio::test]
    async fn list_users_is_paced_at_the_rate() {
        let world = World::new((0..300).map(verified).collect());
        let outcome = run(&request(None, false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        // The fakes take no virtual time, so every call after the first waits a whole interval.
        assert_eq!(world.pace.sleeps(), vec![Duration::from_millis(100); 4]);
        assert!(outcome.report.contains("run time 0.4 s"), "{}", outcome.report);
        let world = World::new((0..300).map(verified).collect());
        let fast = Backfill { rate: 30, ..request(None, false) };
        run(&fast, &world.ports()).await;
        assert_eq!(world.pace.sleeps(), vec![Duration::from_nanos(33_333_334); 4]);
    }

    #[tokio::test]
    async fn throttling_backs_off_and_carries_on() {
        let world = World::new(pool());
        world.directory.fail_next_pages(&[PortErrorKind::Throttled, PortErrorKind::Throttled]);
        let outcome = run(&request(None, false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("ListUsers calls: 5 (2 throttled)"), "{}", outcome.report);
        assert!(outcome.report.contains("users seen: 130"), "{}", outcome.report);
        let sleeps = world.pace.sleeps();
        assert_eq!(&sleeps[..2], &[Duration::from_secs(1), Duration::from_secs(2)], "{sleeps:?}");
        assert!(world.lines().iter().any(|l| l.contains("ListUsers throttled (2 in a row): waiting 2.0 s")));
    }

    #[tokio::test]
    async fn endless_throttling_stops_with_the_token_to_resume_from() {
        // Page 2 onwards is throttled for good.
        let world = World::new(pool());
        let ports = world.ports();
        let throttle_after_first_page =
            Arc::new(ThrottleAfter { inner: world.directory.clone(), pages: Mutex::new(0) });
        let ports = Ports { directory: throttle_after_first_page, ..ports };
        let outcome = run(&request(None, false), &ports).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("STOPPED: cognito-idp ListUsers failed (throttled)"), "{}", outcome.report);
        assert!(outcome.report.contains(&format!("({} throttled)", MAX_THROTTLED + 1)), "{}", outcome.report);
        assert!(
            outcome.report.ends_with("resume with: triggers-admin backfill us-east-1_T --from-token page-60 --rate 10"),
            "{}",
            outcome.report
        );
        let waited: Duration = world.pace.sleeps().iter().sum();
        assert!(waited > Duration::from_secs(8 * 60), "{waited:?} of back-off before giving up");
    }

    /// Answers the first page, then throttles for ever.
    struct ThrottleAfter {
        inner: Arc<FakeDirectory>,
        pages: Mutex<u32>,
    }

    #[async_trait::async_trait]
    impl trigger_core::ports::UserDirectory for ThrottleAfter {
        async fn find_by_attribute(
            &self,
            _: &str,
            _: trigger_core::ports::SearchableAttribute,
            _: &str,
        ) -> Result<Vec<DirectoryUser>, PortError> {
            unreachable!()
        }
        async fn get_user(&self, _: &str, _: &str) -> Result<Option<DirectoryUser>, PortError> {
            unreachable!()
        }
        async fn delete_user(&self, _: &str, _: &str) -> Result<trigger_core::ports::DeleteOutcome, PortError> {
            unreachable!()
        }
        async fn create_user(
            &self,
            _: &str,
            _: &str,
            _: &[(String, String)],
            _: &trigger_core::logging::Secret<String>,
        ) -> Result<trigger_core::ports::CreateOutcome, PortError> {
            unreachable!()
        }
        async fn link_provider(
            &self,
            _: &str,
            _: &str,
            _: &trigger_core::ports::ProviderUser,
        ) -> Result<trigger_core::ports::LinkOutcome, PortError> {
            unreachable!()
        }
        async fn update_attributes(&self, _: &str, _: &str, _: &[(String, String)]) -> Result<(), PortError> {
            unreachable!()
        }
        async fn add_to_group(&self, _: &str, _: &str, _: &str) -> Result<(), PortError> {
            unreachable!()
        }
        async fn list_users_page(
            &self,
            pool: &str,
            token: Option<&str>,
            limit: u32,
        ) -> Result<trigger_core::ports::UserPage, PortError> {
            let call = {
                let mut pages = self.pages.lock().unwrap();
                *pages += 1;
                *pages
            };
            if call > 1 {
                return Err(PortError::new("cognito-idp", "ListUsers", PortErrorKind::Throttled, "Rate exceeded"));
            }
            self.inner.list_users_page(pool, token, limit).await
        }
    }

    #[tokio::test]
    async fn a_refused_token_or_a_table_failure_stops_with_the_page_to_redo() {
        let world = World::new(pool());
        let outcome = run(&request(Some("not-a-token"), false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("invalid pagination token"), "{}", outcome.report);
        assert!(outcome.report.contains("--from-token not-a-token"), "{}", outcome.report);

        let world = World::new(pool());
        world.store.set_outage(Some(PortErrorKind::Unavailable));
        let outcome = run(&request(Some("page-60"), true), &world.ports()).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("STOPPED: the table failed"), "{}", outcome.report);
        assert!(outcome.report.contains("users seen: 0 in 0 page(s)"), "{}", outcome.report);
        assert!(
            outcome.report.ends_with("--from-token page-60 --phone --rate 10"),
            "the page that failed is the one to redo: {}",
            outcome.report
        );

        // A brief outage of ListUsers is waited out.
        let world = World::new(pool());
        world.directory.fail_next_pages(&[PortErrorKind::Timeout, PortErrorKind::Unavailable]);
        let outcome = run(&request(None, false), &world.ports()).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("ListUsers calls: 5 (0 throttled)"), "{}", outcome.report);
    }
}
