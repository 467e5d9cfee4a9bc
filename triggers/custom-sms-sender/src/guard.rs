//! The guard against SMS pumping (toll fraud: sign-ups or code requests for numbers whose
//! carriers share the fees, sent by the thousands), for every provider: a text goes only to a
//! number of an allowed calling code, and at most so many texts go to one number in a window.
//!
//! Both checks run inside the delivery's claim (`custom_sender::send_once`), just before the
//! provider's send. A number they refuse is a permanent refusal (`Rejected`): the delivery is
//! settled `REFUSED`, counted (`SendRefused`, and `SmsCountryRefused` / `SmsNumberLimited`) and
//! never retried; Lambda's retries of the event find it refused. Nothing is sent.
//!
//! The per-number counter is a lockout record of its own ([`trigger_core::lockout::attempt`], the
//! conditional `UpdateItem` that never lets N concurrent attempts pass more than the maximum):
//! `pk = SMSLIMIT#<pool>#<hash>`, `sk = SENDS`, where `<hash>` is the SHA-256 (hex) of the pool id
//! and the number, so the table holds no number in clear. (A hash of a phone number can be
//! reversed by trying every number of a country; it keeps numbers out of casual reads of the
//! table, console and backups, not away from someone set on finding one.) It counts sends that
//! reached the provider's call, once per delivery attempt: a delivery whose send failed and was
//! retried by Lambda counts again.

use sha2::{Digest, Sha256};
use trigger_core::lockout::attempt::{self, Verdict};
use trigger_core::lockout::policy::Policy;
use trigger_core::metrics;
use trigger_core::ports::{Key, PortError, PortErrorKind, Store};
use trigger_core::{ConfigError, Env};

/// The refusals' `PortError::service`.
const SERVICE: &str = "sms-guard";
/// The counter's key prefix (the table's IAM statement for this function names it).
pub const KEY_PREFIX: &str = "SMSLIMIT#";
pub const SORT_KEY: &str = "SENDS";

/// Which numbers may receive a text, by their leading digits after the `+`.
///
/// `SMS_ALLOWED_COUNTRY_CODES`: calling codes (`1,44,49`), each 1 to 7 digits, a leading `+`
/// allowed. Unset: every country (today's behaviour; set it). An entry may be longer than a
/// calling code, to allow part of a country: NANP's `+1` covers the United States, Canada and
/// some twenty Caribbean and Pacific countries (Jamaica `+1 876`, the Dominican Republic `+1 809`,
/// Antigua `+1 268`, …), favourite pumping targets; `SMS_DENIED_PREFIXES` (same form) refuses
/// numbers even where an allowed code matches: `SMS_ALLOWED_COUNTRY_CODES=1` with
/// `SMS_DENIED_PREFIXES=1876,1809,1268` keeps those out. A denied prefix always wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CountryRule {
    allowed: Vec<String>,
    denied: Vec<String>,
}

impl CountryRule {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { allowed: prefixes(env, "SMS_ALLOWED_COUNTRY_CODES")?, denied: prefixes(env, "SMS_DENIED_PREFIXES")? })
    }

    /// `number` is E.164 (`+` and digits). Anything else (spaces, a second `+`, letters) is
    /// refused: a prefix rule read over such text could be passed by writing a number another way.
    pub fn permits(&self, number: &str) -> bool {
        let Some(digits) = e164_digits(number) else { return false };
        let matches = |prefixes: &[String]| prefixes.iter().any(|prefix| digits.starts_with(prefix.as_str()));
        !matches(&self.denied) && (self.allowed.is_empty() || matches(&self.allowed))
    }
}

fn prefixes(env: &Env, variable: &str) -> Result<Vec<String>, ConfigError> {
    env.list(variable)
        .into_iter()
        .map(|entry| {
            let digits = entry.strip_prefix('+').unwrap_or(&entry);
            if (1..=7).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0')
            {
                Ok(digits.to_owned())
            } else {
                Err(ConfigError::invalid(
                    variable,
                    &entry,
                    "expected calling codes or number prefixes such as 1,44,1876",
                ))
            }
        })
        .collect()
}

/// `SMS_MAX_PER_NUMBER` (default 10, 0 = no limit, at most 1000) texts per
/// `SMS_NUMBER_WINDOW_SECONDS` (default 3600, 60–86400) to one number of one pool. The text past
/// the maximum refuses the number for one window from then on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberLimit {
    pub max_per_number: i64,
    pub window_seconds: i64,
}

impl NumberLimit {
    /// `None`: no limit (`SMS_MAX_PER_NUMBER=0`).
    pub fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        let max_per_number = env.number("SMS_MAX_PER_NUMBER", 10, 0..=1_000)?;
        let window_seconds = env.number("SMS_NUMBER_WINDOW_SECONDS", 3_600, 60..=86_400)?;
        Ok((max_per_number > 0).then_some(Self { max_per_number, window_seconds }))
    }

    /// As a lockout policy: `max` attempts per window, then locked for one window (never longer:
    /// repeated lockouts do not escalate past it).
    fn policy(self) -> Policy {
        Policy {
            max_attempts: self.max_per_number,
            window_seconds: self.window_seconds,
            base_seconds: self.window_seconds,
            max_seconds: self.window_seconds,
        }
    }
}

/// The digits of an E.164 number (`+` optional), or `None` when it is not one.
fn e164_digits(number: &str) -> Option<&str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    (!digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())).then_some(digits)
}

/// The counter of `number` in `user_pool_id`: the number only as a hash, of its digits, so that
/// `+4915…` and `4915…` share one counter.
pub fn counter_key(user_pool_id: &str, number: &str) -> Key {
    let digits = e164_digits(number).unwrap_or(number);
    let hash = Sha256::new()
        .chain_update(user_pool_id.as_bytes())
        .chain_update(b"#")
        .chain_update(digits.as_bytes())
        .finalize();
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    Key::new(format!("{KEY_PREFIX}{user_pool_id}#{hex}"), SORT_KEY)
}

/// The whole guard (settings of custom-sms-sender).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    pub countries: CountryRule,
    pub limit: Option<NumberLimit>,
}

impl Guard {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { countries: CountryRule::from_env(env)?, limit: NumberLimit::from_env(env)? })
    }

    /// `Ok` when a text may go to `number` now (and, under a limit, counts it); else the refusal
    /// (`Rejected`, permanent), counted as `SmsCountryRefused` or `SmsNumberLimited` for `trigger`.
    /// A store failure, or a concurrent send at a window boundary, is transient.
    pub async fn admit(
        &self,
        trigger: &str,
        store: &dyn Store,
        now: i64,
        user_pool_id: &str,
        number: &str,
    ) -> Result<(), PortError> {
        if !self.countries.permits(number) {
            metrics::count(trigger, "SmsCountryRefused");
            return Err(PortError::new(SERVICE, "country", PortErrorKind::Rejected, "calling code not allowed"));
        }
        let Some(limit) = self.limit else { return Ok(()) };
        let verdict = attempt::register(store, &counter_key(user_pool_id, number), now, &limit.policy())
            .await
            .map_err(store_failure)?;
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Locked { until } => {
                metrics::count(trigger, "SmsNumberLimited");
                Err(PortError::new(
                    SERVICE,
                    "limit",
                    PortErrorKind::Rejected,
                    format!("send limit of the number reached (until {until})"),
                ))
            }
            // Another send to the number changed its counter between our two writes: it was at the
            // window's end or at the limit. Not decided here: Lambda's retry asks again.
            Verdict::Contended => {
                Err(PortError::new(SERVICE, "limit", PortErrorKind::Throttled, "concurrent sends to the number"))
            }
        }
    }
}

/// A store failure is never a refusal of the number: even one the table refused (no access to
/// `SMSLIMIT#*`, a misconfiguration) is transient, or a missing IAM grant would settle every
/// delivery as refused instead of failing the invocations where the alarms see them.
fn store_failure(err: PortError) -> PortError {
    match err.kind {
        PortErrorKind::Rejected => PortError { kind: PortErrorKind::Unavailable, ..err },
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trigger_core::fakes::InMemoryStore;

    const POOL: &str = "us-east-1_EXAMPLE1";
    const NOW: i64 = 1_800_000_000;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn allowed_codes_admit_their_numbers_and_denied_prefixes_win() {
        let rule = CountryRule::from_env(&env(&[
            ("SMS_ALLOWED_COUNTRY_CODES", "+1, 44,49"),
            ("SMS_DENIED_PREFIXES", "1876,+1809"),
        ]))
        .unwrap();
        for (number, permitted) in [
            ("+14155550123", true),
            ("+447700900123", true),
            ("+4915112345678", true),
            ("+18765550123", false),
            ("+18095550123", false),
            ("+33612345678", false),
            ("+8613800138000", false),
        ] {
            assert_eq!(rule.permits(number), permitted, "{number}");
        }
        assert!(CountryRule::default().permits("+8613800138000"), "unset: every country");
        let only_denied = CountryRule::from_env(&env(&[("SMS_DENIED_PREFIXES", "1268")])).unwrap();
        assert!(only_denied.permits("+14155550123") && !only_denied.permits("+12685550123"));
    }

    #[test]
    fn bad_prefixes_and_limits_fail_init_naming_the_variable() {
        for (variable, value) in [
            ("SMS_ALLOWED_COUNTRY_CODES", "US"),
            ("SMS_ALLOWED_COUNTRY_CODES", "1,+"),
            ("SMS_ALLOWED_COUNTRY_CODES", "12345678"),
            ("SMS_DENIED_PREFIXES", "044"),
            ("SMS_MAX_PER_NUMBER", "-1"),
            ("SMS_MAX_PER_NUMBER", "1001"),
            ("SMS_NUMBER_WINDOW_SECONDS", "59"),
        ] {
            assert_eq!(Guard::from_env(&env(&[(variable, value)])).unwrap_err().variable(), variable, "{value}");
        }
        let defaults = Guard::from_env(&Env::default()).unwrap();
        assert_eq!(defaults.limit, Some(NumberLimit { max_per_number: 10, window_seconds: 3_600 }));
        assert_eq!(Guard::from_env(&env(&[("SMS_MAX_PER_NUMBER", "0")])).unwrap().limit, None);
    }

    #[test]
    fn the_counter_key_holds_the_pool_but_not_the_number() {
        let key = counter_key(POOL, "+14155550123");
        assert!(key.pk.starts_with("SMSLIMIT#us-east-1_EXAMPLE1#") && key.sk == "SENDS", "{key:?}");
        assert!(!key.pk.contains("4155550123"));
        assert_eq!(key.pk.len(), "SMSLIMIT#us-east-1_EXAMPLE1#".len() + 64);
        assert_ne!(key, counter_key(POOL, "+14155550124"));
        assert_ne!(key, counter_key("us-east-1_OTHER", "+14155550123"), "scoped to the pool");
    }

    /// Security regression: a denied premium range written with spaces, a second `+` or a letter
    /// for a digit was read as another prefix and passed, and `4915…` counted apart from `+4915…`.
    #[test]
    fn attack_a_number_written_another_way_neither_passes_the_country_rule_nor_gets_a_fresh_counter() {
        let rule = CountryRule::from_env(&env(&[("SMS_ALLOWED_COUNTRY_CODES", "1"), ("SMS_DENIED_PREFIXES", "1876")]))
            .unwrap();
        for written_otherwise in ["+1 876 555 0123", "++18765550123", "+1876555O123", "", "+"] {
            assert!(!rule.permits(written_otherwise), "{written_otherwise:?}");
            assert!(!CountryRule::default().permits(written_otherwise), "{written_otherwise:?}");
        }
        assert_eq!(
            counter_key(POOL, "+14155550123"),
            counter_key(POOL, "14155550123"),
            "one counter, with or without the +"
        );
    }

    fn limited(max: i64) -> Guard {
        Guard {
            countries: CountryRule::default(),
            limit: Some(NumberLimit { max_per_number: max, window_seconds: 600 }),
        }
    }

    #[tokio::test]
    async fn a_number_gets_the_maximum_per_window_then_refusals_then_a_new_window() {
        let store = InMemoryStore::default();
        let guard = limited(3);
        for _ in 0..3 {
            guard.admit("t", &store, NOW, POOL, "+14155550123").await.unwrap();
        }
        let refused = guard.admit("t", &store, NOW + 1, POOL, "+14155550123").await.unwrap_err();
        assert_eq!(refused.kind, PortErrorKind::Rejected);
        assert!(!refused.to_string().contains("4155550123"), "{refused}");
        guard.admit("t", &store, NOW + 1, POOL, "+14155550199").await.expect("another number has its own count");
        assert!(guard.admit("t", &store, NOW + 500, POOL, "+14155550123").await.is_err(), "still refused");
        guard.admit("t", &store, NOW + 1 + 600, POOL, "+14155550123").await.expect("one window after the refusal");
    }

    #[tokio::test]
    async fn a_failing_or_refusing_store_is_a_transient_failure_never_a_refusal() {
        for kind in [PortErrorKind::Rejected, PortErrorKind::Throttled, PortErrorKind::Unavailable] {
            let store = InMemoryStore::default();
            store.set_outage(Some(kind));
            let err = limited(3).admit("t", &store, NOW, POOL, "+14155550123").await.unwrap_err();
            assert!(err.is_transient(), "{kind}: {err}");
        }
    }

    #[tokio::test]
    async fn a_refused_country_is_refused_before_the_counter_is_touched() {
        let store = InMemoryStore::default();
        let guard = Guard {
            countries: CountryRule::from_env(&env(&[("SMS_ALLOWED_COUNTRY_CODES", "49")])).unwrap(),
            ..limited(3)
        };
        let err = guard.admit("t", &store, NOW, POOL, "+18765550123").await.unwrap_err();
        assert_eq!((err.kind, err.operation), (PortErrorKind::Rejected, "country"));
        assert!(store.items().is_empty());
    }
}
