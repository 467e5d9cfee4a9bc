//! The catalogue: every template compiled once, validated at load, rendered per message.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use minijinja::{AutoEscape, Environment, HtmlEscape, UndefinedBehavior, Value};

use crate::builtin;
use crate::kind::{MessageKind, Part, template_name};
use crate::locale::fallbacks;
use crate::overrides;
use crate::problem::{Problem, Problems};
use crate::sms_fit;

/// A value the message must carry: the code, the user name or the verification link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A Cognito placeholder (`{####}`, `{username}`, `{##Click Here##}`). Cognito replaces it
    /// after the trigger answers, so it must reach Cognito exactly as given: never escaped.
    Placeholder(String),
    /// A real value (a decrypted code, a user name): escaped in HTML like any other value.
    Text(String),
}

impl Slot {
    fn value(&self) -> Value {
        match self {
            Self::Placeholder(text) => Value::from_safe_string(text.clone()),
            Self::Text(text) => Value::from(text.as_str()),
        }
    }

    /// How the slot appears in a rendered `part`.
    fn rendered(&self, part: Part) -> String {
        match (self, part) {
            (Self::Text(text), Part::Html) => HtmlEscape(text).to_string(),
            (Self::Placeholder(text) | Self::Text(text), _) => text.clone(),
        }
    }
}

/// What one message is filled with. Templates see `code` and `username` (when the kind has
/// them), `link`, `name`, `email` (none when absent), `locale` and, in bodies, `subject`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    /// Absent only for a kind without a code (the account-takeover notice).
    pub code: Option<Slot>,
    pub username: Option<Slot>,
    /// The verification link, when the pool verifies by link (sign-up and resend only: other
    /// kinds ignore it).
    pub link: Option<Slot>,
    /// The user's display name: user-supplied text, escaped in HTML, never interpreted.
    pub name: Option<String>,
    /// The user's e-mail address: user-supplied text, as `name`.
    pub email: Option<String>,
    /// What an account-takeover notice reports (that kind only; other kinds ignore it).
    pub notice: Option<Notice>,
}

/// The risky sign-in an account-takeover notice tells the user about (Cognito's threat
/// protection: `ACCOUNT_TAKE_OVER_ACTION`, `LOGIN_TIME`, `IP_ADDRESS`, `CITY`, `COUNTRY`,
/// `DEVICE_NAME` and the two feedback links). Every field is text Cognito took from the sign-in
/// attempt, that is from whoever made it: escaped in HTML like the user's name, never interpreted.
///
/// Templates see `action`, `login_time`, `ip_address`, `location` (city and country joined),
/// `device`, `link_was_me` and `link_was_not_me` (none when unknown). Fields are cut to
/// [`Notice::FIELD_LIMITS`] before rendering, so that validation, which renders values of exactly
/// those lengths, proves every real notice fits (the SMS text in 140 characters included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notice {
    /// What Cognito did: `BLOCK`, `MFA`, `MFA_IF_CONFIGURED`, `MFA_REQUIRED` or `NO_ACTION` (the
    /// templates branch on it; any other value reads as no action).
    pub action: String,
    pub login_time: Option<String>,
    pub ip_address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub device: Option<String>,
    /// `ONE_CLICK_LINK_VALID`: "this was me". A secret of the user's: never logged.
    pub link_was_me: Option<String>,
    /// `ONE_CLICK_LINK_INVALID`: "this wasn't me". A secret of the user's: never logged.
    pub link_was_not_me: Option<String>,
}

impl Notice {
    /// The actions Cognito documents for `ACCOUNT_TAKE_OVER_ACTION`.
    pub const ACTIONS: [&'static str; 5] = ["BLOCK", "MFA", "MFA_IF_CONFIGURED", "MFA_REQUIRED", "NO_ACTION"];

    /// The longest `login_time`, `ip_address`, `city` / `country` / `device` and link kept, in
    /// characters. A time or address is short in every form Cognito writes (an IPv6 address is
    /// at most 39 characters); the limits bound what a hostile or future value can do to a
    /// 140-character SMS.
    pub const FIELD_LIMITS: NoticeLimits = NoticeLimits { time: 32, ip_address: 39, place: 64, link: 2048 };

    /// Every field within its limit (a longer one is cut and ends in `…`); a link that does not
    /// fit is dropped rather than cut (a cut link leads nowhere).
    pub fn clamped(&self) -> Self {
        let limits = Self::FIELD_LIMITS;
        let cut = |text: &Option<String>, limit: usize| text.as_deref().map(|t| clamp(t, limit));
        let link = |text: &Option<String>| text.clone().filter(|l| l.chars().count() <= limits.link);
        Self {
            action: clamp(&self.action, 32),
            login_time: cut(&self.login_time, limits.time),
            ip_address: cut(&self.ip_address, limits.ip_address),
            city: cut(&self.city, limits.place),
            country: cut(&self.country, limits.place),
            device: cut(&self.device, limits.place),
            link_was_me: link(&self.link_was_me),
            link_was_not_me: link(&self.link_was_not_me),
        }
    }

    /// `City, Country`, either alone, or none.
    fn location(&self) -> Option<String> {
        match (&self.city, &self.country) {
            (Some(city), Some(country)) => Some(format!("{city}, {country}")),
            (one, other) => one.clone().or_else(|| other.clone()),
        }
    }

    /// The feedback links the message must print (those the notice has).
    fn links(&self) -> impl Iterator<Item = &str> {
        [&self.link_was_me, &self.link_was_not_me].into_iter().flatten().map(String::as_str)
    }

    /// Validation's notices: each documented action with every field at its longest, and one
    /// with nothing known but the action and the links.
    fn samples() -> Vec<Self> {
        let limits = Self::FIELD_LIMITS;
        let long = |c: char, n: usize| c.to_string().repeat(n);
        let mut samples: Vec<Self> = Self::ACTIONS
            .iter()
            .map(|action| Self {
                action: (*action).to_owned(),
                login_time: Some(long('9', limits.time)),
                ip_address: Some(long('f', limits.ip_address)),
                city: Some(long('C', limits.place)),
                country: Some(long('N', limits.place)),
                device: Some(long('D', limits.place)),
                link_was_me: Some("https://example.com/feedback?valid=true&token=sample".to_owned()),
                link_was_not_me: Some("https://example.com/feedback?valid=false&token=sample".to_owned()),
            })
            .collect();
        let bare =
            Self { login_time: None, ip_address: None, city: None, country: None, device: None, ..samples[0].clone() };
        samples.push(bare);
        samples
    }
}

/// The limits of [`Notice::FIELD_LIMITS`], in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeLimits {
    pub time: usize,
    pub ip_address: usize,
    /// Each of city, country and device.
    pub place: usize,
    pub link: usize,
}

fn clamp(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

impl Values {
    /// What validation renders every template with: Cognito's own placeholders and a long name.
    pub fn samples(kind: MessageKind) -> Vec<Self> {
        let full = Self {
            code: kind.needs_code().then(|| Slot::Placeholder("{####}".to_owned())),
            username: Some(Slot::Placeholder("{username}".to_owned())),
            link: None,
            name: Some("Alexandra Featherstonehaugh-Smythe".to_owned()),
            email: Some("alexandra.featherstonehaugh@example.com".to_owned()),
            notice: None,
        };
        // The suite's own e-mails always know the address: it is the recipient.
        let email = if kind.email_only() { full.email.clone() } else { None };
        let bare = Self { name: None, email, ..full.clone() };
        if kind == MessageKind::AccountTakeover {
            let notices = Notice::samples().into_iter().map(Some).chain([None]);
            return notices
                .flat_map(|notice| [Self { notice: notice.clone(), ..full.clone() }, Self { notice, ..bare.clone() }])
                .collect();
        }
        if kind.email_only() {
            // Sent by the suite itself, not through Cognito: real values, escaped in HTML.
            let full = Self { username: Some(Slot::Text("alexandra.f".to_owned())), ..full };
            let bare = Self { username: full.username.clone(), ..bare };
            let url = "https://example.com/sign-up?from=e-mail&campaign=sample";
            let link = kind.may_link().then(|| Self { link: Some(Slot::Text(url.to_owned())), ..full.clone() });
            return [Some(full), Some(bare), link].into_iter().flatten().collect();
        }
        let link = kind
            .may_link()
            .then(|| Self { link: Some(Slot::Placeholder("{##Click Here##}".to_owned())), ..full.clone() });
        [Some(full), Some(bare), link].into_iter().flatten().collect()
    }
}

/// One rendered message. Which parts are sent depends on the channel. `sms` is empty for an
/// e-mail-only kind ([`MessageKind::email_only`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub locale: String,
    pub kind: MessageKind,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub sms: String,
}

/// A message that could not be rendered (at runtime: the caller falls back; at load: a problem).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub Problem);

/// Why a catalogue could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("default locale {given:?} is not in the catalogue (available: {available})")]
    DefaultLocale { given: String, available: String },
    #[error("{0}")]
    Templates(Problems),
}

const MISSING: &str = "missing: a locale needs all 41 templates (8 kinds × 4 parts: subject, html, txt, sms.txt; \
     welcome, sign-up-reminder and sign-up-expired × 3 parts: no sms.txt)";

/// Every template of every locale, compiled and validated.
pub struct Catalogue {
    env: Environment<'static>,
    locales: BTreeSet<String>,
    default_locale: String,
    /// Template name → the file its author knows (`built-in en/sign-up.html` or a path).
    origins: BTreeMap<String, String>,
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue")
            .field("locales", &self.locales)
            .field("default_locale", &self.default_locale)
            .field("templates", &self.origins.len())
            .finish_non_exhaustive()
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env
}

fn describe(err: &minijinja::Error) -> String {
    match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    }
}

impl Catalogue {
    /// The built-in templates only.
    pub fn builtin(default_locale: &str) -> Result<Self, CatalogueError> {
        Self::load(None, default_locale)
    }

    /// The built-in templates with the overrides in `dir` on top, every template validated.
    /// Every problem found is reported at once.
    pub fn load(dir: Option<&Path>, default_locale: &str) -> Result<Self, CatalogueError> {
        let mut problems = Problems::default();
        let mut sources: BTreeMap<String, (String, String)> = builtin::all()
            .map(|(name, source)| (name.to_owned(), (format!("built-in {name}"), source.to_owned())))
            .collect();
        let mut locales: BTreeSet<String> = builtin::LOCALES.iter().map(|l| (*l).to_owned()).collect();
        if let Some(dir) = dir {
            for file in overrides::read_dir(dir, &mut problems) {
                locales.extend(file.locale);
                sources.insert(file.name, (file.path.display().to_string(), file.source));
            }
        }
        // Templates already reported (missing or not compiling): their messages are not rendered.
        let mut broken: BTreeSet<String> = BTreeSet::new();
        for locale in &locales {
            for kind in MessageKind::ALL {
                for &part in kind.parts() {
                    let name = template_name(locale, kind, part);
                    if !sources.contains_key(&name) {
                        broken.insert(name.clone());
                        let file = dir.map_or_else(|| name.clone(), |d| d.join(&name).display().to_string());
                        problems.push(file, None, MISSING);
                    }
                }
            }
        }
        let mut env = environment();
        let mut origins = BTreeMap::new();
        for (name, (origin, source)) in sources {
            if let Err(err) = env.add_template_owned(name.clone(), source) {
                problems.push(origin.clone(), err.line(), describe(&err));
                broken.insert(name.clone());
            }
            origins.insert(name, origin);
        }
        let default_locale = fallbacks(default_locale).into_iter().find(|l| locales.contains(l)).ok_or_else(|| {
            CatalogueError::DefaultLocale {
                given: default_locale.to_owned(),
                available: locales.iter().cloned().collect::<Vec<_>>().join(", "),
            }
        })?;
        let catalogue = Self { env, locales, default_locale, origins };
        // A broken shared template (the layout) would fail every message that uses it: report
        // it alone. Otherwise the messages whose own files are fine are still checked, so that
        // one run shows every problem.
        if !broken.iter().any(|name| !name.contains('/')) {
            catalogue.validate(&broken, &mut problems);
        }
        if problems.is_empty() { Ok(catalogue) } else { Err(CatalogueError::Templates(problems)) }
    }

    /// Renders every message of every locale with the sample values and applies Cognito's rules,
    /// skipping messages with a part in `broken` (already reported).
    fn validate(&self, broken: &BTreeSet<String>, problems: &mut Problems) {
        for locale in &self.locales {
            for kind in MessageKind::ALL {
                if kind.parts().iter().any(|&part| broken.contains(&template_name(locale, kind, part))) {
                    continue;
                }
                for values in Values::samples(kind) {
                    if let Err(RenderError(problem)) = self.render(locale, kind, &values)
                        && !problems.0.contains(&problem)
                    {
                        problems.0.push(problem);
                    }
                }
            }
        }
    }

    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.locales.iter().map(String::as_str)
    }

    pub fn default_locale(&self) -> &str {
        &self.default_locale
    }

    /// How many templates the catalogue holds (message parts and shared ones).
    pub fn template_count(&self) -> usize {
        self.origins.len()
    }

    /// The file a template came from: `built-in en/sign-up.html` or the override's path.
    pub fn origin(&self, name: &str) -> Option<&str> {
        self.origins.get(name).map(String::as_str)
    }

    /// The locale to write in: the first preference the catalogue has (each tried as given, then
    /// as its language: `pt-BR` → `pt`), else the default.
    pub fn locale_for<'a>(&self, preferences: impl IntoIterator<Item = Option<&'a str>>) -> &str {
        preferences
            .into_iter()
            .flatten()
            .flat_map(fallbacks)
            .find_map(|tag| self.locales.get(&tag))
            .map_or(self.default_locale.as_str(), String::as_str)
    }

    /// All four parts of one message, each checked against Cognito's rules.
    pub fn render(&self, locale: &str, kind: MessageKind, values: &Values) -> Result<Message, RenderError> {
        if !self.locales.contains(locale) {
            // Quoted: an empty or odd tag (found by tests/hostile_input.rs) still reads clearly.
            let what = format!("no such locale {locale:?}");
            let problem = Problem { file: "locale".to_owned(), line: None, what };
            return Err(RenderError(problem));
        }
        let subject = self.part(locale, kind, Part::Subject, &context(locale, kind, values, None), values)?;
        let body = context(locale, kind, values, Some(&subject));
        Ok(Message {
            locale: locale.to_owned(),
            kind,
            html: self.part(locale, kind, Part::Html, &body, values)?,
            text: self.part(locale, kind, Part::Text, &body, values)?,
            sms: if kind.email_only() { String::new() } else { self.sms(locale, kind, &body, values)? },
            subject,
        })
    }

    /// The SMS part. An invitation whose template, filled with the real user name and temporary
    /// password, is longer than 140 characters gets a shorter form (`sms_fit`) instead of
    /// failing. With Cognito's placeholders (custom-message, load validation) the template is
    /// the only text: a template too long on its own stays an error.
    fn sms(&self, locale: &str, kind: MessageKind, context: &Value, values: &Values) -> Result<String, RenderError> {
        let err = match self.part(locale, kind, Part::Sms, context, values) {
            Ok(text) => return Ok(text),
            Err(err) => err,
        };
        let (MessageKind::AdminInvitation, Some(Slot::Text(username)), Some(Slot::Text(password))) =
            (kind, &values.username, &values.code)
        else {
            return Err(err);
        };
        // Only a text too long: a template that fails otherwise stays an error.
        let name = template_name(locale, kind, Part::Sms);
        let rendered = self.env.get_template(&name).and_then(|t| t.render(context));
        if !rendered.is_ok_and(|text| text.trim().chars().count() > Part::Sms.limit()) {
            return Err(err);
        }
        Ok(sms_fit::invitation_short_form(locale, username, password))
    }

    fn problem(&self, name: &str, line: Option<usize>, what: String) -> RenderError {
        let file = self.origins.get(name).cloned().unwrap_or_else(|| name.to_owned());
        RenderError(Problem { file, line, what })
    }

    fn part(
        &self,
        locale: &str,
        kind: MessageKind,
        part: Part,
        context: &Value,
        values: &Values,
    ) -> Result<String, RenderError> {
        let name = template_name(locale, kind, part);
        let engine_error = |err: minijinja::Error| {
            // An error inside an extended or included template names that template.
            let at = err.name().filter(|n| self.origins.contains_key(*n)).unwrap_or(&name).to_owned();
            self.problem(&at, err.line(), describe(&err))
        };
        let rendered = self.env.get_template(&name).and_then(|t| t.render(context)).map_err(engine_error)?;
        let rendered = if part.trimmed() { rendered.trim().to_owned() } else { rendered };
        rules(kind, part, &rendered, values).map_err(|what| self.problem(&name, None, what))?;
        Ok(rendered)
    }
}

fn context(locale: &str, kind: MessageKind, values: &Values, subject: Option<&str>) -> Value {
    let link = values.link.as_ref().filter(|_| kind.may_link());
    let mut pairs = vec![
        ("locale", Value::from(locale)),
        ("link", link.map_or(Value::from(()), Slot::value)),
        ("name", Value::from(values.name.clone())),
        ("email", Value::from(values.email.clone())),
    ];
    // Left undefined when the kind has none: printing it is then an error, not the text "none".
    if kind.needs_code()
        && let Some(code) = &values.code
    {
        pairs.push(("code", code.value()));
    }
    if let Some(username) = &values.username {
        pairs.push(("username", username.value()));
    }
    if let Some(subject) = subject {
        pairs.push(("subject", Value::from(subject)));
    }
    // Defined for the notice only (printing them in another kind is an error, as `code` in the
    // notice is); none for what the notice does not know.
    if kind == MessageKind::AccountTakeover {
        let notice = values.notice.as_ref().map(Notice::clamped).unwrap_or_default();
        pairs.extend([
            ("action", Value::from(notice.action.as_str())),
            ("login_time", Value::from(notice.login_time.clone())),
            ("ip_address", Value::from(notice.ip_address.clone())),
            ("location", Value::from(notice.location())),
            ("device", Value::from(notice.device.clone())),
            ("link_was_me", Value::from(notice.link_was_me.clone())),
            ("link_was_not_me", Value::from(notice.link_was_not_me.clone())),
        ]);
    }
    Value::from_pairs(pairs)
}

/// Cognito's rules for one rendered part; `Err` says what is wrong.
fn rules(kind: MessageKind, part: Part, rendered: &str, values: &Values) -> Result<(), String> {
    let chars = rendered.chars().count();
    if chars > part.limit() {
        return Err(format!("renders to {chars} characters; the limit is {}", part.limit()));
    }
    if part == Part::Subject {
        if rendered.is_empty() {
            return Err("renders to an empty subject".to_owned());
        }
        if rendered.contains(['\n', '\r']) {
            return Err("a subject must be one line".to_owned());
        }
        return Ok(());
    }
    if kind.needs_code() {
        let Some(code) = &values.code else { return Err("this kind of message needs a code; none was given".into()) };
        let link = values.link.as_ref().filter(|_| kind.may_link());
        let has_link = link.is_some_and(|link| rendered.contains(&link.rendered(part)));
        if !has_link && !rendered.contains(&code.rendered(part)) {
            return Err("does not print {{ code }}: Cognito requires the code in this message".to_owned());
        }
    }
    if let Some(notice) = values.notice.as_ref().filter(|_| kind == MessageKind::AccountTakeover)
        && part != Part::Sms
    {
        // An e-mail body without the feedback links leaves the user no way to say "this wasn't
        // me". (An SMS cannot hold them within 140 characters.)
        let clamped = notice.clamped();
        let missing = clamped.links().any(|link| !rendered.contains(&Slot::Text(link.to_owned()).rendered(part)));
        if missing {
            return Err(
                "does not print {{ link_was_me }} and {{ link_was_not_me }}: the notice's feedback links".to_owned()
            );
        }
    }
    if kind.needs_username() {
        let printed = values.username.as_ref().is_some_and(|u| rendered.contains(&u.rendered(part)));
        if !printed {
            return Err("does not print {{ username }}: Cognito requires the user name in an invitation".to_owned());
        }
    }
    Ok(())
}
