//! Settings, read once at cold start. Names, formats and defaults:
//! docs/triggers/pre-token-generation.md.

use trigger_core::federation::TrustedProviders;
use trigger_core::{ConfigError, Env};

/// Claims Cognito does not let a trigger add, change or suppress (Cognito ignores them or fails
/// the token). A configuration naming one of them is refused at init.
pub const UNCHANGEABLE_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
];

/// Claims Cognito only accepts as a plain value in the ID token. A profile attribute can hold a
/// list or a map, and its type is not known at init, so these are never filled from the profile.
pub const SCALAR_ONLY_CLAIMS: &[&str] = &["email_verified", "phone_number_verified", "updated_at", "address"];

/// Group claims are set through `groupOverrideDetails`, never as plain claims.
pub const GROUP_CLAIMS: &[&str] = &["cognito:groups", "cognito:roles", "cognito:preferred_role"];

/// One `ACCESS_TOKEN_SCOPES_FROM_GROUPS` entry: members of `group` get `scopes` (V2 events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupScopes {
    pub group: String,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `TABLE_NAME` (required).
    pub table_name: String,
    /// `SUPPRESS_CLAIMS`: removed from the ID token.
    pub suppress_claims: Vec<String>,
    /// `CLAIMS_FROM_PROFILE`: (profile attribute, claim) pairs.
    pub claims_from_profile: Vec<(String, String)>,
    /// `ACCESS_TOKEN_SCOPES_FROM_GROUPS`.
    pub scopes_from_groups: Vec<GroupScopes>,
    /// `LINK_TRUSTED_PROVIDERS` (as for pre sign-up): `email_verified` is restored only for an
    /// address one of these providers verified when it was linked. Empty: never restored.
    pub trusted_providers: TrustedProviders,
}

/// Claim names as the CDK app accepts them: letters, digits, `_ : . -`, up to 128.
fn is_claim_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
}

/// Why a claim may not appear in `variable`, if it may not.
fn claim_problem(claim: &str, from_profile: bool) -> Option<String> {
    if !is_claim_name(claim) {
        return Some(format!("{claim:?} is not a claim name (letters, digits, _ : . -, up to 128)"));
    }
    if UNCHANGEABLE_CLAIMS.contains(&claim) {
        return Some(format!("Cognito does not allow a trigger to change the claim {claim}"));
    }
    if GROUP_CLAIMS.contains(&claim) {
        return Some(format!("{claim} comes from the user's groups and cannot be set as a claim"));
    }
    if from_profile && SCALAR_ONLY_CLAIMS.contains(&claim) {
        return Some(format!(
            "{claim} takes only a plain value in the ID token and comes from the user's attributes; \
             it cannot be filled from the profile"
        ));
    }
    None
}

/// An OAuth scope token (RFC 6749 3.3): printable ASCII without space, `"` and `\`.
fn is_scope(scope: &str) -> bool {
    !scope.is_empty() && scope.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

const SCOPES: &str = "ACCESS_TOKEN_SCOPES_FROM_GROUPS";

/// `group:scope scope;group:scope` — groups split at the first `:` (scopes may contain `:`).
fn scopes_from_groups(env: &Env) -> Result<Vec<GroupScopes>, ConfigError> {
    let Some(text) = env.text(SCOPES) else { return Ok(Vec::new()) };
    let mut entries: Vec<GroupScopes> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let invalid = |reason: String| ConfigError::invalid(SCOPES, entry, reason);
        let (group, scopes) =
            entry.split_once(':').ok_or_else(|| invalid("expected group:scope scope (entries split by ;)".into()))?;
        let group = group.trim();
        if group.is_empty() || group.chars().any(char::is_whitespace) {
            return Err(invalid("expected a group name before the first :".into()));
        }
        let scopes: Vec<String> = scopes.split_whitespace().map(str::to_owned).collect();
        if scopes.is_empty() {
            return Err(invalid(format!("no scope given for group {group}")));
        }
        if let Some(bad) = scopes.iter().find(|s| !is_scope(s)) {
            return Err(invalid(format!("{bad:?} is not a scope")));
        }
        if entries.iter().any(|e| e.group == group) {
            return Err(invalid(format!("group {group} is listed twice")));
        }
        entries.push(GroupScopes { group: group.to_owned(), scopes });
    }
    Ok(entries)
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?.to_owned();
        let suppress_claims = env.list("SUPPRESS_CLAIMS");
        for claim in &suppress_claims {
            if let Some(reason) = claim_problem(claim, false) {
                return Err(ConfigError::invalid("SUPPRESS_CLAIMS", claim, reason));
            }
        }
        let claims_from_profile = env.pairs("CLAIMS_FROM_PROFILE")?;
        for (attribute, claim) in &claims_from_profile {
            let entry = format!("{attribute}:{claim}");
            if let Some(reason) = claim_problem(claim, true) {
                return Err(ConfigError::invalid("CLAIMS_FROM_PROFILE", &entry, reason));
            }
            if suppress_claims.contains(claim) {
                return Err(ConfigError::invalid(
                    "CLAIMS_FROM_PROFILE",
                    &entry,
                    format!("{claim} is also in SUPPRESS_CLAIMS, and suppression would win"),
                ));
            }
            if claims_from_profile.iter().filter(|(_, c)| c == claim).count() > 1 {
                return Err(ConfigError::invalid("CLAIMS_FROM_PROFILE", &entry, format!("{claim} is filled twice")));
            }
        }
        Ok(Self {
            table_name,
            suppress_claims,
            claims_from_profile,
            scopes_from_groups: scopes_from_groups(env)?,
            trusted_providers: TrustedProviders::from_env(env)?,
        })
    }

    /// The scopes for a user in `groups`, each once, in configuration order.
    pub fn scopes_for(&self, groups: &[String]) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::new();
        for entry in self.scopes_from_groups.iter().filter(|e| groups.contains(&e.group)) {
            for scope in &entry.scopes {
                if !scopes.contains(scope) {
                    scopes.push(scope.clone());
                }
            }
        }
        scopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut all = vec![("TABLE_NAME", "t")];
        all.extend_from_slice(pairs);
        Settings::from_env(&Env::from_pairs(all))
    }

    #[test]
    fn reads_every_setting() {
        let s = settings(&[
            ("SUPPRESS_CLAIMS", "email, phone_number"),
            ("CLAIMS_FROM_PROFILE", "tenantId:custom:tenant,roles:roles"),
            (
                "ACCESS_TOKEN_SCOPES_FROM_GROUPS",
                "admins:orders/write orders/read; editors:orders/read https://api.example.com/x",
            ),
        ])
        .unwrap();
        assert_eq!(s.suppress_claims, ["email", "phone_number"]);
        assert_eq!(
            s.claims_from_profile,
            [("tenantId".into(), "custom:tenant".into()), ("roles".into(), "roles".into())]
        );
        assert_eq!(
            s.scopes_for(&["editors".into(), "admins".into()]),
            ["orders/write", "orders/read", "https://api.example.com/x"]
        );
        assert!(s.scopes_for(&[]).is_empty());
        assert_eq!(settings(&[]).unwrap().claims_from_profile, []);
    }

    #[test]
    fn every_unchangeable_claim_is_refused_naming_it() {
        for claim in UNCHANGEABLE_CLAIMS.iter().chain(GROUP_CLAIMS) {
            let err = settings(&[("SUPPRESS_CLAIMS", claim)]).unwrap_err();
            assert_eq!(err.variable(), "SUPPRESS_CLAIMS");
            assert!(err.to_string().contains(claim), "{err}");
            let mapping = format!("x:{claim}");
            let err = settings(&[("CLAIMS_FROM_PROFILE", &mapping)]).unwrap_err();
            assert_eq!(err.variable(), "CLAIMS_FROM_PROFILE");
            assert!(err.to_string().contains(claim), "{err}");
        }
    }

    #[test]
    fn scalar_only_claims_may_be_suppressed_but_not_filled_from_the_profile() {
        for claim in SCALAR_ONLY_CLAIMS {
            settings(&[("SUPPRESS_CLAIMS", claim)]).unwrap();
            let mapping = format!("x:{claim}");
            let err = settings(&[("CLAIMS_FROM_PROFILE", &mapping)]).unwrap_err();
            assert!(err.to_string().contains("plain value"), "{err}");
        }
    }

    #[test]
    fn contradictions_and_malformed_entries_are_refused() {
        let cases: [(&str, &str); 8] = [
            ("CLAIMS_FROM_PROFILE", "novalue"),
            ("CLAIMS_FROM_PROFILE", "a:bad claim"),
            ("CLAIMS_FROM_PROFILE", "a:x,b:x"),
            ("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins"),
            ("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins:"),
            ("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins:a\"b"),
            ("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "a:x;a:y"),
            ("SUPPRESS_CLAIMS", "bad claim"),
        ];
        for (variable, value) in cases {
            let err = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(err.variable(), variable, "{value}");
        }
        let err = settings(&[("SUPPRESS_CLAIMS", "roles"), ("CLAIMS_FROM_PROFILE", "roles:roles")]).unwrap_err();
        assert!(err.to_string().contains("suppression would win"), "{err}");
        assert_eq!(Settings::from_env(&Env::default()).unwrap_err().variable(), "TABLE_NAME");
    }
}
