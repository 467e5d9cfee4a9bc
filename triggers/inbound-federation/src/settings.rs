//! Settings, read once at cold start. Names, format and defaults:
//! docs/triggers/inbound-federation.md.
//!
//! `FEDERATION_ATTRIBUTE_MAP` declares, per identity provider, which user-pool attribute is
//! filled from which claim (OIDC, social) or SAML attribute:
//!
//! ```text
//! Google: email=email, email_verified=email_verified, given_name=given_name;
//! CorpSAML: email=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress|mail,
//!           custom:groups=http://schemas.microsoft.com/ws/2008/06/identity/claims/groups[];
//! *: email=email, name=name
//! ```
//!
//! Providers are separated by `;`, each is `<provider name>: <entries>`; entries are separated by
//! `,`, each is `<user-pool attribute>=<claim>`; `a|b` takes the first of the claims that is
//! present; a trailing `[]` reads the claim as a list of groups (into a `custom:` attribute);
//! `*` is the mapping of every provider that has none of its own. (One line in an environment
//! variable; the line breaks above are for reading.)

use std::collections::BTreeMap;

use trigger_core::federation::{TrustedProviders, is_provider_name};
use trigger_core::{ConfigError, Env};

pub const ATTRIBUTE_MAP: &str = "FEDERATION_ATTRIBUTE_MAP";
pub const UNMAPPED_PROVIDERS: &str = "UNMAPPED_PROVIDERS";

/// The provider entry that applies to every provider without an entry of its own.
pub const ANY_PROVIDER: &str = "*";

/// Cognito's standard user-pool attributes (the OIDC standard claims Cognito keeps).
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Longest custom attribute name after `custom:` (Cognito's schema limit).
pub const MAX_CUSTOM_NAME: usize = 20;

/// How a mapped value is checked and shaped (docs: "Limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `email`: normalised like pre sign-up's addresses; not an address, refused.
    Email,
    /// `phone_number`: E.164 after removing spaces, dashes, dots and parentheses; else refused.
    Phone,
    /// `email_verified`, `phone_number_verified`: `true`/`false`, and only from a trusted provider.
    Verified,
    /// `picture`, `profile`, `website`: a cut link is a wrong link, so too long is refused.
    Link,
    /// Every other attribute: control characters replaced by spaces, too long is cut.
    Text,
    /// A `[]` claim into a `custom:` attribute: a JSON array of group names that fits the limit.
    Groups,
}

/// One entry: `attribute` is filled from the first of `claims` the provider sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub attribute: String,
    pub claims: Vec<String>,
    pub kind: Kind,
}

/// One provider's mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderMapping {
    pub rules: Vec<Rule>,
}

/// What to answer for a provider that has no mapping (and no `*` entry applies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unmapped {
    /// Answer `{}`: the pool's own attribute mapping for that provider applies, unfiltered.
    #[default]
    Keep,
    /// Refuse the sign-in.
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `FEDERATION_ATTRIBUTE_MAP` (required): by provider name, `*` included.
    pub mappings: BTreeMap<String, ProviderMapping>,
    /// `LINK_TRUSTED_PROVIDERS` (as for pre sign-up's linking): whose `*_verified` claims pass.
    pub trusted: TrustedProviders,
    /// `UNMAPPED_PROVIDERS` (`keep` by default, or `deny`).
    pub unmapped: Unmapped,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let trusted = TrustedProviders::from_env(env)?;
        let mappings = parse_map(env.required(ATTRIBUTE_MAP)?)?;
        for (provider, mapping) in &mappings {
            let verified = mapping.rules.iter().find(|rule| rule.kind == Kind::Verified);
            if let Some(rule) = verified.filter(|_| provider != ANY_PROVIDER && !trusted.trusts(provider)) {
                return Err(ConfigError::invalid(
                    ATTRIBUTE_MAP,
                    &format!("{provider}: {}", rule.attribute),
                    format!(
                        "{provider} is not in LINK_TRUSTED_PROVIDERS, so its {} claim is never passed through; \
                         trust the provider or remove the entry",
                        rule.attribute
                    ),
                ));
            }
        }
        let unmapped = env.choice(UNMAPPED_PROVIDERS, &[("keep", Unmapped::Keep), ("deny", Unmapped::Deny)])?;
        Ok(Self { mappings, trusted, unmapped })
    }

    /// The provider's own mapping, else the `*` one.
    pub fn mapping_for(&self, provider: &str) -> Option<&ProviderMapping> {
        self.mappings.get(provider).or_else(|| self.mappings.get(ANY_PROVIDER))
    }
}

fn invalid(given: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::invalid(ATTRIBUTE_MAP, given, reason)
}

const FORMAT: &str = "expected `Provider: attribute=claim, attribute=claim; Provider: …`";

/// A claim or SAML attribute name: visible characters, none of the format's separators.
fn is_claim_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '|'))
}

fn is_custom_name(name: &str) -> bool {
    (1..=MAX_CUSTOM_NAME).contains(&name.chars().count())
        && !name.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '=' | '|'))
}

/// How `attribute` is filled, or why it may not be.
fn kind_of(attribute: &str, groups: bool) -> Result<Kind, String> {
    if let Some(name) = attribute.strip_prefix("custom:") {
        if !is_custom_name(name) {
            return Err(format!("custom attribute names have 1 to {MAX_CUSTOM_NAME} visible characters after custom:"));
        }
        return Ok(if groups { Kind::Groups } else { Kind::Text });
    }
    if !STANDARD_ATTRIBUTES.contains(&attribute) {
        return Err(format!(
            "{attribute} is not a user-pool attribute a provider can fill (a standard attribute such as email or \
             given_name, or custom:<name>; sub, identities and cognito:* are Cognito's own)"
        ));
    }
    if groups {
        return Err("a groups claim ([]) goes into a custom: attribute".into());
    }
    Ok(match attribute {
        "email" => Kind::Email,
        "phone_number" => Kind::Phone,
        "email_verified" | "phone_number_verified" => Kind::Verified,
        "picture" | "profile" | "website" => Kind::Link,
        _ => Kind::Text,
    })
}

/// Parses the whole `FEDERATION_ATTRIBUTE_MAP` value; every error names the variable and the part
/// that is wrong.
pub fn parse_map(text: &str) -> Result<BTreeMap<String, ProviderMapping>, ConfigError> {
    let mut mappings = BTreeMap::new();
    for block in text.split(';').map(str::trim).filter(|b| !b.is_empty()) {
        let Some((provider, entries)) = block.split_once(':') else { return Err(invalid(block, FORMAT)) };
        let provider = provider.trim();
        if provider != ANY_PROVIDER && !is_provider_name(provider) {
            return Err(invalid(
                provider,
                "expected a provider name as the pool spells it (1 to 32 characters, no white space), or *",
            ));
        }
        let mut rules: Vec<Rule> = Vec::new();
        for entry in entries.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((attribute, claims)) = entry.split_once('=') else { return Err(invalid(entry, FORMAT)) };
            let attribute = attribute.trim();
            let claims = claims.trim();
            let (claims, groups) = match claims.strip_suffix("[]") {
                Some(list) => (list, true),
                None => (claims, false),
            };
            let claims: Vec<String> = claims.split('|').map(|c| c.trim().to_owned()).collect();
            if !claims.iter().all(|c| is_claim_name(c)) {
                return Err(invalid(entry, "expected claim names without white space (a|b for alternatives)"));
            }
            let kind = kind_of(attribute, groups).map_err(|reason| invalid(entry, reason))?;
            if rules.iter().any(|r| r.attribute == attribute) {
                return Err(invalid(entry, format!("{attribute} is mapped twice for {provider}")));
            }
            rules.push(Rule { attribute: attribute.to_owned(), claims, kind });
        }
        if rules.is_empty() {
            return Err(invalid(block, format!("no attribute mapped for {provider}; {FORMAT}")));
        }
        if mappings.insert(provider.to_owned(), ProviderMapping { rules }).is_some() {
            return Err(invalid(provider, "the provider is listed twice"));
        }
    }
    if mappings.is_empty() {
        return Err(invalid(text, FORMAT));
    }
    Ok(mappings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAML_EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_env(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_documented_example_parses_into_rules_by_provider() {
        let map = format!(
            "Google: email=email, email_verified=email_verified, given_name=given_name; \
             CorpSAML: email={SAML_EMAIL}|mail, custom:groups=groups[]; *: name=name"
        );
        let s = settings(&[(ATTRIBUTE_MAP, &map), ("LINK_TRUSTED_PROVIDERS", "Google")]).unwrap();
        let saml = &s.mappings["CorpSAML"].rules;
        assert_eq!(
            saml[0],
            Rule { attribute: "email".into(), claims: vec![SAML_EMAIL.into(), "mail".into()], kind: Kind::Email }
        );
        assert_eq!(
            saml[1],
            Rule { attribute: "custom:groups".into(), claims: vec!["groups".into()], kind: Kind::Groups }
        );
        let kinds: Vec<Kind> = s.mappings["Google"].rules.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Email, Kind::Verified, Kind::Text]);
        assert_eq!(s.mapping_for("Facebook"), s.mappings.get("*"), "* covers the rest");
        assert_eq!(s.mapping_for("Google"), s.mappings.get("Google"));
        assert_eq!(s.unmapped, Unmapped::Keep);
    }

    #[test]
    fn without_a_star_entry_an_unlisted_provider_has_no_mapping() {
        let s = settings(&[(ATTRIBUTE_MAP, "Google: email=email"), (UNMAPPED_PROVIDERS, "deny")]).unwrap();
        assert_eq!(s.mapping_for("CorpSAML"), None);
        assert_eq!(s.unmapped, Unmapped::Deny);
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        for bad in [
            "",
            "Google",
            "Google:",
            "Google: email",
            "Google: email=",
            "Google: email=e mail",
            "Google: sub=sub",
            "Google: identities=identities",
            "Google: cognito:groups=groups",
            "Google: username=preferred_username",
            "Google: favourite_colour=colour",
            "Google: custom:=x",
            "Google: custom:a_name_over_twenty_chars=x",
            "Google: email=groups[]",
            "Google: email=email, email=mail",
            "Google: email=email; Google: name=name",
            "Corp SAML: email=email",
            "_hidden: email=email",
        ] {
            let err = settings(&[(ATTRIBUTE_MAP, bad)]).unwrap_err();
            assert_eq!(err.variable(), ATTRIBUTE_MAP, "{bad:?}: {err}");
        }
        let err = settings(&[(ATTRIBUTE_MAP, "Google: email=email"), (UNMAPPED_PROVIDERS, "maybe")]).unwrap_err();
        assert_eq!(err.variable(), UNMAPPED_PROVIDERS);
        let err =
            settings(&[(ATTRIBUTE_MAP, "Google: email=email"), ("LINK_TRUSTED_PROVIDERS", "Corp SAML")]).unwrap_err();
        assert_eq!(err.variable(), "LINK_TRUSTED_PROVIDERS", "parsed by trigger-core, as pre sign-up's is");
        assert_eq!(settings(&[]).unwrap_err().to_string(), "FEDERATION_ATTRIBUTE_MAP is required but not set");
    }

    #[test]
    fn a_verified_claim_mapped_for_an_untrusted_provider_fails_init() {
        let map = "CorpOIDC: email=email, email_verified=email_verified";
        let err = settings(&[(ATTRIBUTE_MAP, map), ("LINK_TRUSTED_PROVIDERS", "Google")]).unwrap_err();
        assert_eq!(err.variable(), ATTRIBUTE_MAP);
        assert!(err.to_string().contains("CorpOIDC is not in LINK_TRUSTED_PROVIDERS"), "{err}");
        settings(&[(ATTRIBUTE_MAP, map), ("LINK_TRUSTED_PROVIDERS", "Google,CorpOIDC")]).unwrap();
        // `*` covers trusted and untrusted providers alike: decided per sign-in.
        settings(&[(ATTRIBUTE_MAP, "*: email_verified=email_verified")]).unwrap();
    }
}
