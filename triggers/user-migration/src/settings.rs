//! Settings, read once at cold start. Names and defaults: docs/triggers/user-migration.md.

use trigger_core::events::DeliveryMedium;
use trigger_core::lockout::NameRule;
use trigger_core::lockout::policy::Policy;
use trigger_core::logging::Secret;
use trigger_core::{ConfigError, Env};

use crate::attributes::Allowlist;
use crate::password_policy::PasswordPolicy;

/// Where users are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `LEGACY_USERS_TABLE`: a DynamoDB table of password hashes.
    LegacyTable,
    /// `OLD_USER_POOL_ID` + `OLD_CLIENT_ID`: another Cognito user pool.
    OldPool,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LegacyTable => "legacy-table",
            Self::OldPool => "old-pool",
        }
    }
}

/// The old user pool and the app client to sign in through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldPool {
    pub user_pool_id: String,
    pub client_id: String,
    /// The prefix of the pool id (`eu-west-1_AbC` → `eu-west-1`).
    pub region: String,
}

/// What the trigger does with the lockout record pre-authentication keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockoutMode {
    /// Refuse a locked name before any hash is checked, and count each failed migration sign-in
    /// (the default: Cognito runs pre-authentication for an unknown user only when the app client
    /// prevents user-existence errors, so nobody else counts these attempts).
    Count,
    /// Refuse a locked name, count nothing: pre-authentication already counts every attempt
    /// (app clients with `PreventUserExistenceErrors: ENABLED` and pre-authentication deployed).
    Check,
}

/// A bcrypt hash (cost 10) of 48 random characters nobody knows: what an unknown user's password
/// is checked against until the function has seen a row of the legacy table (then the dummy
/// follows the format and cost of the rows: [`crate::dummy`]), unless `LEGACY_DUMMY_HASH` names
/// another starting point.
pub const DEFAULT_DUMMY_HASH: &str = "$2b$10$YAa1ywxPRvx.6CdJc8XVW.2iueEgHosOCcawdrtjyM1lS0jyJeOH6";

/// Cognito's standard attributes that may be copied. No `custom:` attribute: a custom attribute
/// the old system holds may be one the new pool's app reads as a privilege (`custom:role`,
/// `custom:tenant`), and one the new pool's schema lacks makes Cognito reject the user. List the
/// custom attributes to move in `MIGRATE_ATTRIBUTES`, by name.
pub const DEFAULT_MIGRATE_ATTRIBUTES: &str = "email,phone_number,name,given_name,family_name,middle_name,nickname,\
    preferred_username,locale,zoneinfo,birthdate,gender,picture,profile,website,address";

/// The forgot-password limit per name (`MIGRATION_RESET_*`): 5 per hour, then an hour's pause,
/// doubling up to a day.
pub const DEFAULT_RESET_POLICY: Policy =
    Policy { max_attempts: 5, window_seconds: 3_600, base_seconds: 3_600, max_seconds: 86_400 };

#[derive(Clone, Debug)]
pub struct Settings {
    /// `TABLE_NAME`: the project's table (reservations, lockout record). Required.
    pub table_name: String,
    /// `LEGACY_USERS_TABLE`.
    pub legacy_table: Option<String>,
    /// `OLD_USER_POOL_ID`, `OLD_CLIENT_ID`.
    pub old_pool: Option<OldPool>,
    /// `MIGRATION_BACKEND_ORDER`: the configured backends in the order they are asked.
    pub order: Vec<Backend>,
    /// `MIGRATE_ATTRIBUTES`.
    pub allowlist: Allowlist,
    /// `PASSWORD_MIN_LENGTH`, `PASSWORD_REQUIRE_*`: the new pool's policy.
    pub password_policy: PasswordPolicy,
    /// `DESIRED_DELIVERY_MEDIUMS` (default `EMAIL`).
    pub delivery_mediums: Vec<DeliveryMedium>,
    /// `FORCE_ALIAS_CREATION` (default false).
    pub force_alias_creation: bool,
    /// `MIGRATION_LOCKOUT`: `count` (default) or `check`.
    pub lockout: LockoutMode,
    /// `LOCKOUT_*`, shared with pre-authentication.
    pub lockout_policy: Policy,
    /// `MIGRATION_RESET_MAX_ATTEMPTS`, `MIGRATION_RESET_WINDOW_SECONDS`,
    /// `MIGRATION_RESET_LOCK_SECONDS`, `MIGRATION_RESET_MAX_LOCK_SECONDS`: forgot-password
    /// migrations per name, counted beside the name's lockout record.
    pub reset_policy: Policy,
    /// `USER_NAMES_CASE_SENSITIVE` (default true, as pre-authentication reads it): how a name is
    /// keyed on the lockout record and looked up in the legacy table.
    pub names: NameRule,
    /// `LEGACY_DUMMY_HASH`: the dummy until a row of the legacy table has been seen.
    pub dummy_hash: Secret<String>,
}

fn old_pool(env: &Env) -> Result<Option<OldPool>, ConfigError> {
    match (env.text("OLD_USER_POOL_ID"), env.text("OLD_CLIENT_ID")) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::Missing { variable: "OLD_CLIENT_ID".to_owned() }),
        (None, Some(_)) => Err(ConfigError::Missing { variable: "OLD_USER_POOL_ID".to_owned() }),
        (Some(pool), Some(client)) => {
            let region = match pool.split_once('_') {
                Some((region, id)) if !region.is_empty() && !id.is_empty() && !id.contains('_') => region,
                _ => return Err(ConfigError::invalid("OLD_USER_POOL_ID", pool, "expected <region>_<id>")),
            };
            Ok(Some(OldPool { user_pool_id: pool.to_owned(), client_id: client.to_owned(), region: region.to_owned() }))
        }
    }
}

fn order(env: &Env, legacy: bool, old: bool) -> Result<Vec<Backend>, ConfigError> {
    const VARIABLE: &str = "MIGRATION_BACKEND_ORDER";
    let configured: Vec<Backend> = [(Backend::LegacyTable, legacy), (Backend::OldPool, old)]
        .into_iter()
        .filter_map(|(backend, on)| on.then_some(backend))
        .collect();
    if configured.is_empty() {
        return Err(ConfigError::Missing { variable: "LEGACY_USERS_TABLE or OLD_USER_POOL_ID".to_owned() });
    }
    let listed = env.list(VARIABLE);
    if listed.is_empty() {
        return Ok(configured);
    }
    let mut order = Vec::new();
    for entry in &listed {
        let backend = match entry.to_ascii_lowercase().as_str() {
            "legacy-table" => Backend::LegacyTable,
            "old-pool" => Backend::OldPool,
            _ => return Err(ConfigError::invalid(VARIABLE, entry, "expected legacy-table or old-pool")),
        };
        if !configured.contains(&backend) {
            return Err(ConfigError::invalid(VARIABLE, entry, "that backend is not configured"));
        }
        if order.contains(&backend) {
            return Err(ConfigError::invalid(VARIABLE, entry, "listed twice"));
        }
        order.push(backend);
    }
    if order.len() != configured.len() {
        let value = env.text(VARIABLE).unwrap_or_default();
        return Err(ConfigError::invalid(VARIABLE, value, "must list every configured backend"));
    }
    Ok(order)
}

fn delivery_mediums(env: &Env) -> Result<Vec<DeliveryMedium>, ConfigError> {
    const VARIABLE: &str = "DESIRED_DELIVERY_MEDIUMS";
    let listed = env.list(VARIABLE);
    if listed.is_empty() {
        return Ok(vec![DeliveryMedium::Email]);
    }
    let mut mediums = Vec::new();
    for entry in &listed {
        let medium = match entry.to_ascii_uppercase().as_str() {
            "EMAIL" => DeliveryMedium::Email,
            "SMS" => DeliveryMedium::Sms,
            _ => return Err(ConfigError::invalid(VARIABLE, entry, "expected EMAIL or SMS")),
        };
        if !mediums.contains(&medium) {
            mediums.push(medium);
        }
    }
    Ok(mediums)
}

fn lockout(env: &Env) -> Result<LockoutMode, ConfigError> {
    env.choice("MIGRATION_LOCKOUT", &[("count", LockoutMode::Count), ("check", LockoutMode::Check)])
}

const DAY: i64 = 86_400;

fn reset_policy(env: &Env) -> Result<Policy, ConfigError> {
    let d = DEFAULT_RESET_POLICY;
    Policy {
        max_attempts: env.number("MIGRATION_RESET_MAX_ATTEMPTS", d.max_attempts, 1..=100)?,
        window_seconds: env.number("MIGRATION_RESET_WINDOW_SECONDS", d.window_seconds, 60..=DAY)?,
        base_seconds: env.number("MIGRATION_RESET_LOCK_SECONDS", d.base_seconds, 60..=DAY)?,
        max_seconds: env.number("MIGRATION_RESET_MAX_LOCK_SECONDS", d.max_seconds, 60..=31 * DAY)?,
    }
    .checked("MIGRATION_RESET_MAX_LOCK_SECONDS", "MIGRATION_RESET_LOCK_SECONDS")
}

fn dummy_hash(env: &Env) -> Result<Secret<String>, ConfigError> {
    let Some(hash) = env.text("LEGACY_DUMMY_HASH") else { return Ok(Secret::new(DEFAULT_DUMMY_HASH.to_owned())) };
    // The value is a hash of nothing anyone knows, but it is still left out of the error.
    legacy_passwords::check(hash).map_err(|e| ConfigError::invalid("LEGACY_DUMMY_HASH", "…", e.to_string()))?;
    Ok(Secret::new(hash.to_owned()))
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?.to_owned();
        let legacy_table = env.text("LEGACY_USERS_TABLE").map(str::to_owned);
        let old_pool = old_pool(env)?;
        let order = order(env, legacy_table.is_some(), old_pool.is_some())?;
        let allowlist = Allowlist::parse(
            "MIGRATE_ATTRIBUTES",
            env.text("MIGRATE_ATTRIBUTES").unwrap_or(DEFAULT_MIGRATE_ATTRIBUTES),
        )?;
        Ok(Self {
            table_name,
            legacy_table,
            old_pool,
            order,
            allowlist,
            password_policy: PasswordPolicy::from_env(env)?,
            delivery_mediums: delivery_mediums(env)?,
            force_alias_creation: env.flag("FORCE_ALIAS_CREATION", false)?,
            lockout: lockout(env)?,
            lockout_policy: Policy::from_env(env)?,
            reset_policy: reset_policy(env)?,
            names: NameRule::from_env(env)?,
            dummy_hash: dummy_hash(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        let mut all = vec![("TABLE_NAME", "t")];
        all.extend_from_slice(pairs);
        Env::from_pairs(all)
    }

    #[test]
    fn defaults_match_the_documentation() {
        let settings = Settings::from_env(&env(&[("LEGACY_USERS_TABLE", "legacy")])).unwrap();
        assert_eq!(settings.order, [Backend::LegacyTable]);
        assert_eq!(settings.old_pool, None);
        assert_eq!(settings.delivery_mediums, [DeliveryMedium::Email]);
        assert!(!settings.force_alias_creation);
        assert_eq!(settings.lockout, LockoutMode::Count);
        assert_eq!(settings.lockout_policy, Policy::default());
        assert_eq!(settings.password_policy, PasswordPolicy::default());
        assert_eq!(settings.dummy_hash.expose(), DEFAULT_DUMMY_HASH);
        assert_eq!(settings.reset_policy, DEFAULT_RESET_POLICY);
        assert_eq!(settings.names, NameRule::CaseSensitive);
        assert!(settings.allowlist.allows("email") && settings.allowlist.allows("phone_number"));
        assert!(!settings.allowlist.allows("sub"));
    }

    /// Issue 22: at 5a923f4 the default list ended in `custom:*`, so whatever custom attribute
    /// the old system held (`custom:role=admin`, a tenant id) was copied into the new pool.
    #[test]
    fn the_default_attribute_list_copies_no_custom_attribute() {
        let settings = Settings::from_env(&env(&[("LEGACY_USERS_TABLE", "legacy")])).unwrap();
        for custom in ["custom:role", "custom:tenant", "custom:plan"] {
            assert!(!settings.allowlist.allows(custom), "{custom}");
        }
        assert!(!DEFAULT_MIGRATE_ATTRIBUTES.contains("custom:"));
        let named =
            Settings::from_env(&env(&[("LEGACY_USERS_TABLE", "l"), ("MIGRATE_ATTRIBUTES", "email,custom:plan")]))
                .unwrap();
        assert!(named.allowlist.allows("custom:plan") && !named.allowlist.allows("custom:role"));
    }

    #[test]
    fn the_old_pool_region_is_the_prefix_of_its_id_and_the_order_is_a_setting() {
        let both =
            [("LEGACY_USERS_TABLE", "legacy"), ("OLD_USER_POOL_ID", "eu-west-1_AbCd"), ("OLD_CLIENT_ID", "client")];
        let settings = Settings::from_env(&env(&both)).unwrap();
        assert_eq!(settings.old_pool.as_ref().unwrap().region, "eu-west-1");
        assert_eq!(settings.order, [Backend::LegacyTable, Backend::OldPool]);
        let mut reversed = both.to_vec();
        reversed.push(("MIGRATION_BACKEND_ORDER", "old-pool, legacy-table"));
        assert_eq!(Settings::from_env(&env(&reversed)).unwrap().order, [Backend::OldPool, Backend::LegacyTable]);
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        let pool = [("OLD_USER_POOL_ID", "us-east-1_X"), ("OLD_CLIENT_ID", "c")];
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![], "LEGACY_USERS_TABLE or OLD_USER_POOL_ID"),
            (vec![("OLD_USER_POOL_ID", "us-east-1_X")], "OLD_CLIENT_ID"),
            (vec![("OLD_CLIENT_ID", "c")], "OLD_USER_POOL_ID"),
            (vec![("OLD_USER_POOL_ID", "nounderscore"), ("OLD_CLIENT_ID", "c")], "OLD_USER_POOL_ID"),
            (vec![pool[0], pool[1], ("MIGRATION_BACKEND_ORDER", "legacy-table")], "MIGRATION_BACKEND_ORDER"),
            (vec![pool[0], pool[1], ("MIGRATION_BACKEND_ORDER", "ldap")], "MIGRATION_BACKEND_ORDER"),
            (vec![pool[0], pool[1], ("DESIRED_DELIVERY_MEDIUMS", "PIGEON")], "DESIRED_DELIVERY_MEDIUMS"),
            (vec![pool[0], pool[1], ("FORCE_ALIAS_CREATION", "maybe")], "FORCE_ALIAS_CREATION"),
            (vec![pool[0], pool[1], ("MIGRATION_LOCKOUT", "off")], "MIGRATION_LOCKOUT"),
            (vec![pool[0], pool[1], ("MIGRATE_ATTRIBUTES", "email,sub")], "MIGRATE_ATTRIBUTES"),
            (vec![pool[0], pool[1], ("PASSWORD_MIN_LENGTH", "5")], "PASSWORD_MIN_LENGTH"),
            (vec![pool[0], pool[1], ("LOCKOUT_MAX_ATTEMPTS", "0")], "LOCKOUT_MAX_ATTEMPTS"),
            (vec![pool[0], pool[1], ("USER_NAMES_CASE_SENSITIVE", "maybe")], "USER_NAMES_CASE_SENSITIVE"),
            (vec![pool[0], pool[1], ("MIGRATION_RESET_MAX_ATTEMPTS", "0")], "MIGRATION_RESET_MAX_ATTEMPTS"),
            (vec![pool[0], pool[1], ("MIGRATION_RESET_WINDOW_SECONDS", "x")], "MIGRATION_RESET_WINDOW_SECONDS"),
            (
                vec![
                    pool[0],
                    pool[1],
                    ("MIGRATION_RESET_LOCK_SECONDS", "7200"),
                    ("MIGRATION_RESET_MAX_LOCK_SECONDS", "3600"),
                ],
                "MIGRATION_RESET_MAX_LOCK_SECONDS",
            ),
            (vec![pool[0], pool[1], ("LEGACY_DUMMY_HASH", "md5:abc")], "LEGACY_DUMMY_HASH"),
            (
                vec![
                    pool[0],
                    pool[1],
                    ("LEGACY_DUMMY_HASH", "$2b$14$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
                ],
                "LEGACY_DUMMY_HASH",
            ),
        ];
        for (pairs, variable) in cases {
            let err = Settings::from_env(&env(&pairs)).unwrap_err();
            assert_eq!(err.variable(), variable, "{pairs:?}: {err}");
        }
        let err = Settings::from_env(&Env::from_pairs([("LEGACY_USERS_TABLE", "l")])).unwrap_err();
        assert_eq!(err.variable(), "TABLE_NAME");
    }
}
