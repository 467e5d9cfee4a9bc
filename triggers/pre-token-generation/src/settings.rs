//! Settings, read once at cold start. Names, formats and defaults:
//! docs/triggers/pre-token-generation.md.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
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

/// Access-token claims this trigger never sets for a machine (client-credentials) token, beyond
/// what Cognito protects: `scope` goes through the scope lists, and `client_id` is what a
/// resource server trusts to tell one client from another.
pub const CLIENT_TOKEN_MANAGED_CLAIMS: &[&str] = &["scope", "client_id"];

/// What the client-credentials (V3, machine-to-machine) access tokens of one app client get.
/// A claim or scope both added and suppressed is only suppressed (Cognito's rule too), so the
/// answer never says both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientTokenRules {
    /// From `CLIENT_CREDENTIALS_CLAIMS`: values of any JSON type but null.
    pub claims_to_add: Map<String, Value>,
    /// From `CLIENT_CREDENTIALS_SUPPRESS_CLAIMS`.
    pub claims_to_suppress: Vec<String>,
    /// From `CLIENT_CREDENTIALS_SCOPES`.
    pub scopes_to_add: Vec<String>,
    /// From `CLIENT_CREDENTIALS_SUPPRESS_SCOPES`.
    pub scopes_to_suppress: Vec<String>,
}

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
    /// The four `CLIENT_CREDENTIALS_*` settings, by app client id. A client not listed gets its
    /// machine tokens as Cognito made them.
    pub client_credentials: BTreeMap<String, ClientTokenRules>,
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
const CLIENT_CLAIMS: &str = "CLIENT_CREDENTIALS_CLAIMS";
const CLIENT_SUPPRESS_CLAIMS: &str = "CLIENT_CREDENTIALS_SUPPRESS_CLAIMS";
const CLIENT_SCOPES: &str = "CLIENT_CREDENTIALS_SCOPES";
const CLIENT_SUPPRESS_SCOPES: &str = "CLIENT_CREDENTIALS_SUPPRESS_SCOPES";

/// What a keyed list is keyed by, for its messages and its key check.
struct KeyedList {
    variable: &'static str,
    /// "group" or "app client id".
    key: &'static str,
    /// "scope" or "claim".
    item: &'static str,
    key_is_valid: fn(&str) -> bool,
    item_problem: fn(&str) -> Option<String>,
}

/// Entries of a keyed list: (key, items), in the order given.
type Keyed = Vec<(String, Vec<String>)>;

/// `key:item item;key:item` — entries split by `;`, the key before the first `:` (items may
/// contain `:`), items separated by spaces. Each key once.
fn keyed_lists(env: &Env, list: &KeyedList) -> Result<Keyed, ConfigError> {
    let Some(text) = env.text(list.variable) else { return Ok(Vec::new()) };
    let mut entries: Keyed = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let invalid = |reason: String| ConfigError::invalid(list.variable, entry, reason);
        let (key, items) = entry.split_once(':').ok_or_else(|| {
            invalid(format!("expected {key}:{item} {item} (entries split by ;)", key = list.key, item = list.item))
        })?;
        let key = key.trim();
        if !(list.key_is_valid)(key) {
            return Err(invalid(format!("expected {} {} before the first :", article(list.key), list.key)));
        }
        let items: Vec<String> = items.split_whitespace().map(str::to_owned).collect();
        if items.is_empty() {
            return Err(invalid(format!("no {} given for {} {key}", list.item, list.key)));
        }
        if let Some(reason) = items.iter().find_map(|i| (list.item_problem)(i)) {
            return Err(invalid(reason));
        }
        if entries.iter().any(|(k, _)| k == key) {
            return Err(invalid(format!("{} {key} is listed twice", list.key)));
        }
        entries.push((key.to_owned(), items));
    }
    Ok(entries)
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn is_group_name(group: &str) -> bool {
    !group.is_empty() && !group.chars().any(char::is_whitespace)
}

/// Cognito's app client id pattern, `[\w+]+`, up to 128 characters.
fn is_client_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+'))
}

fn scope_problem(scope: &str) -> Option<String> {
    (!is_scope(scope)).then(|| format!("{scope:?} is not a scope"))
}

/// Why a claim may not be set or suppressed in a machine's access token, if it may not.
fn client_claim_problem(claim: &str) -> Option<String> {
    if let Some(reason) = claim_problem(claim, false) {
        return Some(reason);
    }
    match claim {
        "scope" => Some(format!("scope is set through {CLIENT_SCOPES} and {CLIENT_SUPPRESS_SCOPES}, not as a claim")),
        "client_id" => Some("client_id tells resource servers which client this is; it cannot be changed".into()),
        _ => None,
    }
}

/// `group:scope scope;group:scope` — groups split at the first `:` (scopes may contain `:`).
fn scopes_from_groups(env: &Env) -> Result<Vec<GroupScopes>, ConfigError> {
    let list = KeyedList {
        variable: SCOPES,
        key: "group",
        item: "scope",
        key_is_valid: is_group_name,
        item_problem: scope_problem,
    };
    Ok(keyed_lists(env, &list)?.into_iter().map(|(group, scopes)| GroupScopes { group, scopes }).collect())
}

/// (app client id, its claims to add), in the order given.
type ClaimsByClient = Vec<(String, Map<String, Value>)>;

/// `CLIENT_CREDENTIALS_CLAIMS`: a JSON object, app client id → object of claim → value.
fn client_claims(env: &Env) -> Result<ClaimsByClient, ConfigError> {
    let Some(text) = env.text(CLIENT_CLAIMS) else { return Ok(Vec::new()) };
    let shape = r#"expected a JSON object: {"<app client id>": {"<claim>": <value>}}"#;
    let by_client: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| ConfigError::invalid(CLIENT_CLAIMS, text, format!("{shape}: {e}")))?;
    let mut entries = Vec::new();
    for (client, claims) in by_client {
        if !is_client_id(&client) {
            return Err(ConfigError::invalid(CLIENT_CLAIMS, &client, "is not an app client id (letters, digits, _ +)"));
        }
        let Value::Object(claims) = claims else {
            return Err(ConfigError::invalid(CLIENT_CLAIMS, &client, shape));
        };
        for (claim, value) in &claims {
            let entry = format!("{client}.{claim}");
            if let Some(reason) = client_claim_problem(claim) {
                return Err(ConfigError::invalid(CLIENT_CLAIMS, &entry, reason));
            }
            if value.is_null() {
                return Err(ConfigError::invalid(
                    CLIENT_CLAIMS,
                    &entry,
                    format!("null is no claim value; to remove a claim, list it in {CLIENT_SUPPRESS_CLAIMS}"),
                ));
            }
        }
        entries.push((client, claims));
    }
    Ok(entries)
}

/// The four `CLIENT_CREDENTIALS_*` settings, merged by app client id.
fn client_credentials(env: &Env) -> Result<BTreeMap<String, ClientTokenRules>, ConfigError> {
    let list = |variable, item, item_problem| KeyedList {
        variable,
        key: "app client id",
        item,
        key_is_valid: is_client_id,
        item_problem,
    };
    let mut rules: BTreeMap<String, ClientTokenRules> = BTreeMap::new();
    for (client, claims) in client_claims(env)? {
        rules.entry(client).or_default().claims_to_add = claims;
    }
    for (client, claims) in keyed_lists(env, &list(CLIENT_SUPPRESS_CLAIMS, "claim", client_claim_problem))? {
        rules.entry(client).or_default().claims_to_suppress = claims;
    }
    for (client, scopes) in keyed_lists(env, &list(CLIENT_SCOPES, "scope", scope_problem))? {
        rules.entry(client).or_default().scopes_to_add = scopes;
    }
    for (client, scopes) in keyed_lists(env, &list(CLIENT_SUPPRESS_SCOPES, "scope", scope_problem))? {
        rules.entry(client).or_default().scopes_to_suppress = scopes;
    }
    for (client, rule) in &mut rules {
        let (claims_before, scopes_before) = (rule.claims_to_add.len(), rule.scopes_to_add.len());
        let suppressed_claims = rule.claims_to_suppress.clone();
        rule.claims_to_add.retain(|claim, _| !suppressed_claims.contains(claim));
        let suppressed_scopes = rule.scopes_to_suppress.clone();
        rule.scopes_to_add.retain(|scope| !suppressed_scopes.contains(scope));
        if rule.claims_to_add.len() != claims_before || rule.scopes_to_add.len() != scopes_before {
            tracing::warn!(
                client,
                "a claim or scope is both added and suppressed for this app client: it is only suppressed"
            );
        }
    }
    Ok(rules)
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
            client_credentials: client_credentials(env)?,
        })
    }

    /// The rules for a machine token of app client `client_id`, if it has any.
    pub fn client_rules(&self, client_id: Option<&str>) -> Option<&ClientTokenRules> {
        self.client_credentials.get(client_id?)
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

    const M2M: &str = "m2mclient0123456789";

    #[test]
    fn client_credentials_rules_are_read_per_app_client() {
        let s = settings(&[
            (
                "CLIENT_CREDENTIALS_CLAIMS",
                r#"{"m2mclient0123456789": {"tenant": "acme", "tier": 3, "regions": ["eu"]}}"#,
            ),
            ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "m2mclient0123456789:legacy_claim; other_client:x"),
            ("CLIENT_CREDENTIALS_SCOPES", "m2mclient0123456789:orders/read https://api.example.com/x"),
            ("CLIENT_CREDENTIALS_SUPPRESS_SCOPES", "m2mclient0123456789:orders/write"),
        ])
        .unwrap();
        let rules = s.client_rules(Some(M2M)).unwrap();
        assert_eq!(
            Value::Object(rules.claims_to_add.clone()),
            serde_json::json!({"tenant": "acme", "tier": 3, "regions": ["eu"]})
        );
        assert_eq!(rules.claims_to_suppress, ["legacy_claim"]);
        assert_eq!(rules.scopes_to_add, ["orders/read", "https://api.example.com/x"]);
        assert_eq!(rules.scopes_to_suppress, ["orders/write"]);
        assert_eq!(s.client_rules(Some("other_client")).unwrap().claims_to_suppress, ["x"]);
        assert_eq!(s.client_rules(Some("unlisted")), None);
        assert_eq!(s.client_rules(None), None);
        assert!(settings(&[]).unwrap().client_credentials.is_empty());
    }

    #[test]
    fn a_claim_or_scope_both_added_and_suppressed_for_a_client_is_only_suppressed() {
        let s = settings(&[
            ("CLIENT_CREDENTIALS_CLAIMS", r#"{"m2mclient0123456789": {"tier": 3, "tenant": "acme"}}"#),
            ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "m2mclient0123456789:tier"),
            ("CLIENT_CREDENTIALS_SCOPES", "m2mclient0123456789:orders/read orders/write"),
            ("CLIENT_CREDENTIALS_SUPPRESS_SCOPES", "m2mclient0123456789:orders/write"),
        ])
        .unwrap();
        let rules = s.client_rules(Some(M2M)).unwrap();
        assert_eq!(rules.claims_to_add.keys().collect::<Vec<_>>(), ["tenant"]);
        assert_eq!(rules.claims_to_suppress, ["tier"]);
        assert_eq!(rules.scopes_to_add, ["orders/read"]);
        assert_eq!(rules.scopes_to_suppress, ["orders/write"]);
    }

    #[test]
    fn every_protected_claim_is_refused_for_machine_tokens_naming_the_variable() {
        let protected = UNCHANGEABLE_CLAIMS.iter().chain(GROUP_CLAIMS).chain(CLIENT_TOKEN_MANAGED_CLAIMS);
        for claim in protected {
            let added = format!(r#"{{"{M2M}": {{"{claim}": "x"}}}}"#);
            let err = settings(&[("CLIENT_CREDENTIALS_CLAIMS", &added)]).unwrap_err();
            assert_eq!(err.variable(), "CLIENT_CREDENTIALS_CLAIMS");
            assert!(err.to_string().contains(claim), "{err}");
            let suppressed = format!("{M2M}:{claim}");
            let err = settings(&[("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", &suppressed)]).unwrap_err();
            assert_eq!(err.variable(), "CLIENT_CREDENTIALS_SUPPRESS_CLAIMS");
            assert!(err.to_string().contains(claim), "{err}");
        }
        // Scalar-only claims are an ID-token rule: a machine token may carry them.
        settings(&[("CLIENT_CREDENTIALS_CLAIMS", r#"{"c1": {"address": {"country": "NL"}}}"#)]).unwrap();
    }

    #[test]
    fn malformed_client_credentials_settings_are_refused_naming_the_variable() {
        let cases: [(&str, &str); 11] = [
            ("CLIENT_CREDENTIALS_CLAIMS", "not json"),
            ("CLIENT_CREDENTIALS_CLAIMS", r#"["c1"]"#),
            ("CLIENT_CREDENTIALS_CLAIMS", r#"{"c1": "tier"}"#),
            ("CLIENT_CREDENTIALS_CLAIMS", r#"{"c1": {"tier": null}}"#),
            ("CLIENT_CREDENTIALS_CLAIMS", r#"{"bad client": {"tier": 1}}"#),
            ("CLIENT_CREDENTIALS_CLAIMS", r#"{"c1": {"bad claim": 1}}"#),
            ("CLIENT_CREDENTIALS_SCOPES", "c1"),
            ("CLIENT_CREDENTIALS_SCOPES", "c1:a\\b"),
            ("CLIENT_CREDENTIALS_SCOPES", "c1:x;c1:y"),
            ("CLIENT_CREDENTIALS_SUPPRESS_SCOPES", "c/1:x"),
            ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "c1:"),
        ];
        for (variable, value) in cases {
            let err = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(err.variable(), variable, "{value}");
        }
    }
}
