//! Settings, read once at cold start. Names and defaults: docs/triggers/pre-signup.md.

use std::collections::BTreeMap;

use trigger_core::federation::TrustedProviders;
use trigger_core::lockout::NameRule;
use trigger_core::{ConfigError, Env};

/// One entry of a domain list: `example.com` matches that domain only; `*.example.com` matches
/// `example.com` and every subdomain of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainPattern {
    domain: String,
    subdomains: bool,
}

impl DomainPattern {
    fn parse(variable: &str, entry: &str) -> Result<Self, ConfigError> {
        let lower = entry.to_lowercase();
        let (domain, subdomains) = match lower.strip_prefix("*.") {
            Some(rest) => (rest.to_owned(), true),
            None => (lower, false),
        };
        let valid = !domain.is_empty()
            && domain.split('.').all(|label| !label.is_empty())
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(ConfigError::invalid(
                variable,
                entry,
                "expected a domain such as example.com or *.example.com",
            ));
        }
        Ok(Self { domain, subdomains })
    }

    /// `domain` must already be lower-case.
    pub fn matches(&self, domain: &str) -> bool {
        domain == self.domain
            || (self.subdomains && domain.strip_suffix(self.domain.as_str()).is_some_and(|head| head.ends_with('.')))
    }
}

fn domain_list(env: &Env, variable: &str) -> Result<Vec<DomainPattern>, ConfigError> {
    env.list(variable).iter().map(|entry| DomainPattern::parse(variable, entry)).collect()
}

/// What to do when the table or Cognito cannot be reached within the time budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnDependencyFailure {
    /// Refuse the sign-up with a "try again" message (default): no duplicate can slip through.
    #[default]
    Deny,
    /// Let the sign-up through without the checks that failed (logged and counted).
    Allow,
}

/// What a sign-up refused for a taken e-mail address or phone number is told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DuplicateMessage {
    /// Names what is taken ("An account with this e-mail address already exists"): clearest for
    /// the person, and tells anyone who tries an address whether it has an account.
    #[default]
    Explicit,
    /// One text for every refusal of a taken value, naming neither the value nor the account.
    Generic,
}

/// user-migration's backends, read from the same variables: while one is configured, pre sign-up
/// refuses the values its users hold (the squatting guard, `crate::legacy`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacyBackends {
    /// `LEGACY_USERS_TABLE`: looked up by key (user name, address).
    pub table: Option<String>,
    /// `LEGACY_USERS_EMAIL_INDEX`: a global secondary index of that table on a top-level `email`
    /// attribute; without it the table is asked by key only.
    pub email_index: Option<String>,
    /// `OLD_USER_POOL_ID`: the old pool (AdminGetUser, ListUsers); its Region is the id's prefix.
    pub old_pool: Option<OldPool>,
}

impl LegacyBackends {
    pub fn is_configured(&self) -> bool {
        self.table.is_some() || self.old_pool.is_some()
    }
}

/// The old user pool, as user-migration names it (`OLD_USER_POOL_ID`; `OLD_CLIENT_ID` is not
/// needed here: pre sign-up never signs anyone in there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldPool {
    pub user_pool_id: String,
    /// The prefix of the pool id (`eu-west-1_AbC` → `eu-west-1`).
    pub region: String,
}

fn legacy_backends(env: &Env) -> Result<LegacyBackends, ConfigError> {
    let table = env.text("LEGACY_USERS_TABLE").map(str::to_owned);
    let email_index = env.text("LEGACY_USERS_EMAIL_INDEX").map(str::to_owned);
    if let (Some(index), None) = (&email_index, &table) {
        return Err(ConfigError::invalid("LEGACY_USERS_EMAIL_INDEX", index, "needs LEGACY_USERS_TABLE"));
    }
    let old_pool = match env.text("OLD_USER_POOL_ID") {
        None => None,
        Some(pool) => match pool.split_once('_') {
            Some((region, id)) if !region.is_empty() && !id.is_empty() && !id.contains('_') => {
                Some(OldPool { user_pool_id: pool.to_owned(), region: region.to_owned() })
            }
            _ => return Err(ConfigError::invalid("OLD_USER_POOL_ID", pool, "expected <region>_<id>")),
        },
    };
    Ok(LegacyBackends { table, email_index, old_pool })
}

/// The sign-up reminder state machine and its timing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub state_machine_arn: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `ALLOWED_EMAIL_DOMAINS`: when not empty, only these domains may sign up.
    pub allowed_domains: Vec<DomainPattern>,
    /// `DENIED_EMAIL_DOMAINS`: never these domains (wins over the allow list).
    pub denied_domains: Vec<DomainPattern>,
    /// `AUTO_CONFIRM_EMAIL_DOMAINS`: sign-ups from these domains are confirmed and verified.
    pub auto_confirm_domains: Vec<DomainPattern>,
    /// `MIN_USERNAME_LENGTH`: 0 (default) turns the rule off.
    pub min_username_length: usize,
    /// `UNIQUE_EMAIL` (default true).
    pub unique_email: bool,
    /// `UNIQUE_PHONE` (default false).
    pub unique_phone: bool,
    /// `CHECK_EXISTING_USERS` (default true): also look for the value among users that existed
    /// before the trigger (ListUsers).
    pub check_existing_users: bool,
    /// `LINK_FEDERATED_USERS` (default false).
    pub link_federated_users: bool,
    /// `LINK_TRUSTED_PROVIDERS`: Cognito provider names whose `email_verified` claim is trusted
    /// (no default; required with linking). Only their sign-ups are linked. Parsed by
    /// trigger-core, as every trigger that reads the setting does.
    pub link_trusted_providers: TrustedProviders,
    /// `DUPLICATE_MESSAGE` (`explicit` by default, or `generic`).
    pub duplicate_message: DuplicateMessage,
    /// `FEDERATED_PROVIDER_NAMES`: user-name prefix (lower-case) → Cognito provider name.
    pub provider_names: BTreeMap<String, String>,
    /// `REMINDER_STATE_MACHINE_ARN` (unset: no reminder).
    pub reminder: Option<Reminder>,
    /// `REMINDER_AFTER_SECONDS` (default 12 hours): wait before the reminder e-mail.
    pub remind_after_seconds: i64,
    /// `PENDING_RESERVATION_SECONDS` (default 24 hours, the life of Cognito's confirmation code):
    /// how long an unconfirmed sign-up holds its address; also when the reminder's `expire` step
    /// removes it.
    pub pending_seconds: i64,
    /// `ON_DEPENDENCY_FAILURE` (`deny` by default, or `allow`).
    pub on_dependency_failure: OnDependencyFailure,
    /// `TABLE_NAME`: required when a uniqueness rule is on.
    pub table_name: Option<String>,
    /// `USER_NAMES_CASE_SENSITIVE` (default true): how the pool compares user names; the legacy
    /// table is asked for a name in that form.
    pub user_names: NameRule,
    /// `LEGACY_USERS_TABLE`, `LEGACY_USERS_EMAIL_INDEX`, `OLD_USER_POOL_ID` (none by default).
    pub legacy: LegacyBackends,
}

/// The provider names Cognito uses for the social providers, by user-name prefix.
const SOCIAL_PROVIDERS: &[(&str, &str)] = &[
    ("google", "Google"),
    ("facebook", "Facebook"),
    ("signinwithapple", "SignInWithApple"),
    ("loginwithamazon", "LoginWithAmazon"),
];

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let unique_email = env.flag("UNIQUE_EMAIL", true)?;
        let unique_phone = env.flag("UNIQUE_PHONE", false)?;
        let link_federated_users = env.flag("LINK_FEDERATED_USERS", false)?;
        let link_trusted_providers = TrustedProviders::from_env(env)?;
        if link_federated_users && link_trusted_providers.is_empty() {
            return Err(ConfigError::invalid(
                "LINK_TRUSTED_PROVIDERS",
                "",
                "required when LINK_FEDERATED_USERS=true: the provider names (e.g. Google) whose email_verified \
                 claim may be trusted for linking",
            ));
        }
        let table_name = env.text("TABLE_NAME").map(str::to_owned);
        // Linking records the provider-verified address on the linked user's profile row.
        if (unique_email || unique_phone || link_federated_users) && table_name.is_none() {
            return Err(ConfigError::Missing { variable: "TABLE_NAME".into() });
        }
        let auto_confirm_domains = domain_list(env, "AUTO_CONFIRM_EMAIL_DOMAINS")?;
        // Linking refuses an account whose address a domain rule verified: it knows them only by
        // the mark on their e-mail reservation, which needs the reservation.
        if link_federated_users && !auto_confirm_domains.is_empty() && !unique_email {
            return Err(ConfigError::invalid(
                "UNIQUE_EMAIL",
                "false",
                "must stay on with LINK_FEDERATED_USERS and AUTO_CONFIRM_EMAIL_DOMAINS: the e-mail reservation \
                 records which addresses were verified by the domain rule, so that no identity is linked into them",
            ));
        }
        let duplicate_message = env.choice(
            "DUPLICATE_MESSAGE",
            &[("explicit", DuplicateMessage::Explicit), ("generic", DuplicateMessage::Generic)],
        )?;
        let mut provider_names: BTreeMap<String, String> =
            SOCIAL_PROVIDERS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        for (prefix, name) in env.pairs("FEDERATED_PROVIDER_NAMES")? {
            provider_names.insert(prefix.to_lowercase(), name);
        }
        let on_dependency_failure = env.choice(
            "ON_DEPENDENCY_FAILURE",
            &[("deny", OnDependencyFailure::Deny), ("allow", OnDependencyFailure::Allow)],
        )?;
        let reminder = match env.text("REMINDER_STATE_MACHINE_ARN") {
            Some(arn) if arn.starts_with("arn:") && arn.contains(":stateMachine:") => {
                Some(Reminder { state_machine_arn: arn.to_owned() })
            }
            Some(arn) => {
                return Err(ConfigError::invalid("REMINDER_STATE_MACHINE_ARN", arn, "expected a state machine ARN"));
            }
            None => None,
        };
        let remind_after_seconds = env.number("REMINDER_AFTER_SECONDS", 43_200, 60..=31_536_000)?;
        let pending_seconds = env.number("PENDING_RESERVATION_SECONDS", 86_400, 120..=31_536_000)?;
        if remind_after_seconds >= pending_seconds {
            return Err(ConfigError::invalid(
                "REMINDER_AFTER_SECONDS",
                &remind_after_seconds.to_string(),
                "must be shorter than PENDING_RESERVATION_SECONDS",
            ));
        }
        Ok(Self {
            allowed_domains: domain_list(env, "ALLOWED_EMAIL_DOMAINS")?,
            denied_domains: domain_list(env, "DENIED_EMAIL_DOMAINS")?,
            auto_confirm_domains,
            min_username_length: env.number("MIN_USERNAME_LENGTH", 0, 0..=128)?,
            unique_email,
            unique_phone,
            check_existing_users: env.flag("CHECK_EXISTING_USERS", true)?,
            link_federated_users,
            link_trusted_providers,
            duplicate_message,
            provider_names,
            reminder,
            remind_after_seconds,
            pending_seconds,
            on_dependency_failure,
            table_name,
            user_names: NameRule::from_env(env)?,
            legacy: legacy_backends(env)?,
        })
    }

    /// Whether any e-mail domain rule is on.
    pub fn has_domain_rules(&self) -> bool {
        !self.allowed_domains.is_empty() || !self.denied_domains.is_empty()
    }

    /// Whether linking trusts `provider`'s (Cognito's spelling) `email_verified` claim.
    pub fn trusts_provider(&self, provider: &str) -> bool {
        self.link_trusted_providers.trusts(provider)
    }

    /// Cognito's provider name for a federated user-name prefix (`google` → `Google`); a prefix
    /// nobody mapped is used as it is (SAML and OIDC providers keep their configured name).
    pub fn provider_name(&self, prefix: &str) -> String {
        self.provider_names.get(&prefix.to_lowercase()).cloned().unwrap_or_else(|| prefix.to_owned())
    }
}

/// The settings of `base` with `pairs` on top, for the unit tests of every module (a test that
/// wants no table passes `("UNIQUE_EMAIL", "false")` as its base instead of `TABLE_NAME`).
#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a bad test setting is a failed test
pub(crate) fn for_test(base: (&str, &str), pairs: &[(&str, &str)]) -> Settings {
    Settings::from_env(&test_env(base, pairs)).unwrap()
}

#[cfg(test)]
fn test_env(base: (&str, &str), pairs: &[(&str, &str)]) -> Env {
    let mut all = vec![base];
    all.extend_from_slice(pairs);
    Env::from_pairs(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        test_env(("TABLE_NAME", "t"), pairs)
    }

    #[test]
    fn patterns_match_case_insensitively_and_wildcards_cover_subdomains() {
        let settings = Settings::from_env(&env(&[("ALLOWED_EMAIL_DOMAINS", "Example.com, *.Corp.example")])).unwrap();
        let [exact, wildcard] = settings.allowed_domains.as_slice() else { panic!("two patterns") };
        assert!(exact.matches("example.com"));
        assert!(!exact.matches("mail.example.com"));
        assert!(wildcard.matches("corp.example"));
        assert!(wildcard.matches("eu.mail.corp.example"));
        assert!(!wildcard.matches("evilcorp.example"));
    }

    #[test]
    fn defaults_are_unique_email_deny_on_failure_and_no_linking() {
        let settings = Settings::from_env(&env(&[])).unwrap();
        assert!(settings.unique_email && !settings.unique_phone && settings.check_existing_users);
        assert!(!settings.link_federated_users);
        assert_eq!(settings.on_dependency_failure, OnDependencyFailure::Deny);
        assert_eq!(settings.reminder, None);
        assert_eq!((settings.remind_after_seconds, settings.pending_seconds), (43_200, 86_400));
        assert_eq!(settings.duplicate_message, DuplicateMessage::Explicit);
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        for (variable, bad) in [
            ("DENIED_EMAIL_DOMAINS", "*."),
            ("DENIED_EMAIL_DOMAINS", "exa mple.com"),
            ("AUTO_CONFIRM_EMAIL_DOMAINS", "a@b.com"),
            ("ALLOWED_EMAIL_DOMAINS", "x..com"),
            ("MIN_USERNAME_LENGTH", "-1"),
            ("UNIQUE_EMAIL", "sometimes"),
            ("ON_DEPENDENCY_FAILURE", "maybe"),
            ("REMINDER_STATE_MACHINE_ARN", "my-machine"),
            ("FEDERATED_PROVIDER_NAMES", "corpsaml"),
            ("REMINDER_AFTER_SECONDS", "700000"),
            ("DUPLICATE_MESSAGE", "vague"),
            ("OLD_USER_POOL_ID", "nounderscore"),
            ("LEGACY_USERS_EMAIL_INDEX", "by-email"),
            ("USER_NAMES_CASE_SENSITIVE", "sometimes"),
        ] {
            let err = Settings::from_env(&env(&[(variable, bad)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{variable}={bad}: {err}");
        }
        let err = Settings::from_env(&Env::default()).unwrap_err();
        assert_eq!(err.to_string(), "TABLE_NAME is required but not set");
        assert!(Settings::from_env(&Env::from_pairs([("UNIQUE_EMAIL", "false")])).is_ok(), "no table needed");
    }

    #[test]
    fn linking_needs_the_trusted_providers_and_a_table() {
        let err = Settings::from_env(&env(&[("LINK_FEDERATED_USERS", "true")])).unwrap_err();
        assert!(err.to_string().contains("required when LINK_FEDERATED_USERS=true"), "{err}");
        let on = Settings::from_env(&env(&[
            ("LINK_FEDERATED_USERS", "true"),
            ("LINK_TRUSTED_PROVIDERS", "Google, CorpOIDC"),
        ]));
        let on = on.unwrap();
        assert!(on.trusts_provider("Google") && on.trusts_provider("CorpOIDC"));
        assert!(!on.trusts_provider("google") && !on.trusts_provider("Facebook"), "Cognito's exact spelling");
        let no_table = Env::from_pairs([
            ("UNIQUE_EMAIL", "false"),
            ("LINK_FEDERATED_USERS", "true"),
            ("LINK_TRUSTED_PROVIDERS", "Google"),
        ]);
        assert_eq!(Settings::from_env(&no_table).unwrap_err().variable(), "TABLE_NAME");
    }

    #[test]
    fn linking_with_domain_verification_keeps_the_reservation_that_marks_it() {
        let pairs = [
            ("LINK_FEDERATED_USERS", "true"),
            ("LINK_TRUSTED_PROVIDERS", "Google"),
            ("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example"),
        ];
        assert!(Settings::from_env(&env(&pairs)).is_ok());
        let mut off = pairs.to_vec();
        off.push(("UNIQUE_EMAIL", "false"));
        assert_eq!(Settings::from_env(&env(&off)).unwrap_err().variable(), "UNIQUE_EMAIL");
    }

    #[test]
    fn the_legacy_backends_are_user_migrations_variables() {
        let none = Settings::from_env(&env(&[])).unwrap();
        assert!(!none.legacy.is_configured());
        assert_eq!(none.user_names, NameRule::CaseSensitive);
        let both = Settings::from_env(&env(&[
            ("LEGACY_USERS_TABLE", "legacy"),
            ("LEGACY_USERS_EMAIL_INDEX", "by-email"),
            ("OLD_USER_POOL_ID", "eu-west-1_AbCd"),
            ("USER_NAMES_CASE_SENSITIVE", "false"),
        ]))
        .unwrap();
        assert!(both.legacy.is_configured());
        assert_eq!(both.legacy.email_index.as_deref(), Some("by-email"));
        assert_eq!(
            both.legacy.old_pool,
            Some(OldPool { user_pool_id: "eu-west-1_AbCd".into(), region: "eu-west-1".into() })
        );
        assert_eq!(both.user_names, NameRule::CaseInsensitive);
    }

    #[test]
    fn provider_names_use_cognitos_spelling_and_accept_overrides() {
        let settings = Settings::from_env(&env(&[("FEDERATED_PROVIDER_NAMES", "corpsaml:CorpSAML")])).unwrap();
        assert_eq!(settings.provider_name("google"), "Google");
        assert_eq!(settings.provider_name("SignInWithApple"), "SignInWithApple");
        assert_eq!(settings.provider_name("corpsaml"), "CorpSAML");
        assert_eq!(settings.provider_name("MyOIDC"), "MyOIDC");
    }
}
