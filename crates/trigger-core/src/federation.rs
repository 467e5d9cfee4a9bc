//! Which identity providers' claims are trusted: `LINK_TRUSTED_PROVIDERS`, one setting with one
//! meaning for every trigger that reads it. Pre sign-up links only these providers' sign-ups,
//! pre token generation repairs `email_verified` only for addresses they verified, and inbound
//! federation passes `email_verified` / `phone_number_verified` through only from them.

use crate::{ConfigError, Env};

/// The setting's name.
pub const LINK_TRUSTED_PROVIDERS: &str = "LINK_TRUSTED_PROVIDERS";

/// Cognito's longest identity provider name (CreateIdentityProvider `ProviderName`).
pub const MAX_PROVIDER_NAME: usize = 32;

/// Provider names exactly as the pool spells them (`Google`, `SignInWithApple`, `CorpSAML`):
/// the comparison is case-sensitive, as Cognito's names are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProviders(Vec<String>);

impl TrustedProviders {
    /// `LINK_TRUSTED_PROVIDERS`, comma-separated; unset is empty (no provider trusted). A name
    /// that Cognito could not have given a provider fails init, naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let names = env.list(LINK_TRUSTED_PROVIDERS);
        for name in &names {
            if !is_provider_name(name) {
                return Err(ConfigError::invalid(
                    LINK_TRUSTED_PROVIDERS,
                    name,
                    "expected identity provider names as the pool spells them (Google, CorpSAML): 1 to 32 \
                     characters, no white space",
                ));
            }
        }
        Ok(Self(names))
    }

    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }

    pub fn trusts(&self, provider: &str) -> bool {
        self.0.iter().any(|p| p == provider)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }
}

/// A name Cognito accepts for an identity provider: 1 to 32 visible characters, not starting
/// with `_` (the same rule the CDK app checks at synth).
pub fn is_provider_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=MAX_PROVIDER_NAME).contains(&length)
        && !name.starts_with('_')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_exactly_and_unset_trusts_nobody() {
        let env = Env::from_pairs([(LINK_TRUSTED_PROVIDERS, "Google, CorpSAML")]);
        let trusted = TrustedProviders::from_env(&env).unwrap();
        assert!(trusted.trusts("Google") && trusted.trusts("CorpSAML"));
        assert!(!trusted.trusts("google") && !trusted.trusts("Facebook"));
        assert!(TrustedProviders::from_env(&Env::default()).unwrap().is_empty());
    }

    #[test]
    fn a_name_cognito_could_not_have_given_fails_init() {
        for bad in ["Corp SAML", "_hidden", &"x".repeat(33)] {
            let env = Env::from_pairs([(LINK_TRUSTED_PROVIDERS, format!("Google,{bad}"))]);
            let err = TrustedProviders::from_env(&env).unwrap_err();
            assert_eq!(err.variable(), LINK_TRUSTED_PROVIDERS, "{bad}");
        }
        assert!(is_provider_name("Corp-SAML.1") && is_provider_name(&"x".repeat(32)));
    }
}
