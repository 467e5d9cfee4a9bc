//! Settings, read once at cold start. Names and defaults: docs/triggers/pre-signup.md.

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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `ALLOWED_EMAIL_DOMAINS`: when not empty, only these domains may sign up.
    pub allowed_domains: Vec<DomainPattern>,
    /// `DENIED_EMAIL_DOMAINS`: never these domains (wins over the allow list).
    pub denied_domains: Vec<DomainPattern>,
    /// `MIN_USERNAME_LENGTH`: 0 (default) turns the rule off.
    pub min_username_length: usize,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            allowed_domains: domain_list(env, "ALLOWED_EMAIL_DOMAINS")?,
            denied_domains: domain_list(env, "DENIED_EMAIL_DOMAINS")?,
            min_username_length: env.number("MIN_USERNAME_LENGTH", 0, 0..=128)?,
        })
    }

    /// Whether any e-mail domain rule is on.
    pub fn has_domain_rules(&self) -> bool {
        !self.allowed_domains.is_empty() || !self.denied_domains.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_case_insensitively_and_wildcards_cover_subdomains() {
        let env = Env::from_pairs([("ALLOWED_EMAIL_DOMAINS", "Example.com, *.Corp.example")]);
        let settings = Settings::from_env(&env).unwrap();
        let [exact, wildcard] = settings.allowed_domains.as_slice() else { panic!("two patterns") };
        assert!(exact.matches("example.com"));
        assert!(!exact.matches("mail.example.com"));
        assert!(wildcard.matches("corp.example"));
        assert!(wildcard.matches("eu.mail.corp.example"));
        assert!(!wildcard.matches("evilcorp.example"));
    }

    #[test]
    fn bad_entries_fail_init_naming_the_variable() {
        for bad in ["*.", "exa mple.com", "a@b.com", "x..com"] {
            let env = Env::from_pairs([("DENIED_EMAIL_DOMAINS", bad)]);
            let err = Settings::from_env(&env).unwrap_err();
            assert_eq!(err.variable(), "DENIED_EMAIL_DOMAINS", "{bad}");
        }
        let env = Env::from_pairs([("MIN_USERNAME_LENGTH", "-1")]);
        assert_eq!(Settings::from_env(&env).unwrap_err().variable(), "MIN_USERNAME_LENGTH");
    }
}
