//! Federated sign-ups (`PreSignUp_ExternalProvider`): link the provider identity to the native
//! user with the same e-mail, creating that user when there is none — only where linking cannot
//! hand an account to someone who never proved the address:
//! - the provider is one whose `email_verified` claim is trusted (`LINK_TRUSTED_PROVIDERS`) and
//!   it says the address is verified;
//! - the native user is CONFIRMED, enabled, and its own `email_verified` is true. A native user
//!   who never proved the address (registered by whoever typed it, auto-confirmed by domain,
//!   confirmed by SMS) is never linked into: the federated user is created on its own.
//!
//! [`plan`] decides from the facts; the trigger applies the plan.

use trigger_core::ports::{DirectoryUser, ProviderUser, UserStatus};

/// Cognito links at most this many identities to one user.
pub const MAX_LINKED_IDENTITIES: usize = 5;

pub const TOO_MANY_PROVIDERS: &str = "This account already has the maximum number of linked sign-in providers";

/// `google_1089…` → (`google`, `1089…`): Cognito names federated users `<provider>_<id>`.
pub fn split_username(username: &str) -> Option<(&str, &str)> {
    username.split_once('_').filter(|(provider, id)| !provider.is_empty() && !id.is_empty())
}

/// Why a federated sign-up was not linked (each is a metric and a log line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotLinked {
    /// The provider is not in `LINK_TRUSTED_PROVIDERS`.
    UntrustedProvider,
    /// The provider did not assert a verified e-mail address.
    ProviderUnverifiedEmail,
    /// A native user has the address but never proved it (or is not confirmed, or is disabled).
    NativeUserUnverified,
}

impl NotLinked {
    pub fn metric(self) -> &'static str {
        match self {
            Self::UntrustedProvider => "LinkSkippedUntrustedProvider",
            Self::ProviderUnverifiedEmail => "LinkSkippedProviderUnverified",
            Self::NativeUserUnverified => "LinkSkippedNativeUnverified",
        }
    }
}

/// What to do with a federated sign-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Link the identity to this native user.
    IntoExisting(DirectoryUser),
    /// Nobody has the address: create a native user for it (verified: the provider is trusted
    /// and verified it), then link.
    CreateNative,
    /// Let Cognito create the federated user on its own.
    Skip(NotLinked),
    /// The native user has the most identities Cognito allows.
    TooManyIdentities,
}

/// The facts linking is decided on.
pub struct Facts<'a> {
    pub source: &'a ProviderUser,
    pub provider_trusted: bool,
    pub provider_verified_email: bool,
    /// The users the pool has with the address, any status.
    pub users_with_email: Vec<DirectoryUser>,
}

/// A native user that proved the address: the only kind an identity may be linked into.
fn proved_the_address(user: &DirectoryUser) -> bool {
    user.status == UserStatus::Confirmed && user.enabled && user.is_true("email_verified")
}

pub fn plan(facts: Facts<'_>) -> Plan {
    if !facts.provider_trusted {
        return Plan::Skip(NotLinked::UntrustedProvider);
    }
    if !facts.provider_verified_email {
        return Plan::Skip(NotLinked::ProviderUnverifiedEmail);
    }
    let natives: Vec<DirectoryUser> =
        facts.users_with_email.into_iter().filter(|u| u.status != UserStatus::ExternalProvider).collect();
    if natives.is_empty() {
        return Plan::CreateNative;
    }
    let Some(native) = natives.into_iter().find(proved_the_address) else {
        return Plan::Skip(NotLinked::NativeUserUnverified);
    };
    let identities = native.linked_identities();
    let already = identities.contains(facts.source);
    if !already && identities.len() >= MAX_LINKED_IDENTITIES {
        return Plan::TooManyIdentities;
    }
    Plan::IntoExisting(native)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn user(status: UserStatus, verified: &str, identities: usize) -> DirectoryUser {
        let list: Vec<String> =
            (0..identities).map(|i| format!(r#"{{"providerName":"P{i}","userId":"{i}"}}"#)).collect();
        DirectoryUser {
            username: "native".into(),
            status,
            enabled: true,
            created_at: None,
            attributes: BTreeMap::from([
                ("email".to_owned(), "a@example.com".to_owned()),
                ("email_verified".to_owned(), verified.to_owned()),
                ("identities".to_owned(), format!("[{}]", list.join(","))),
            ]),
        }
    }

    fn google() -> ProviderUser {
        ProviderUser { provider_name: "Google".into(), provider_user_id: "1089".into() }
    }

    fn facts(source: &ProviderUser, users: Vec<DirectoryUser>) -> Facts<'_> {
        Facts { source, provider_trusted: true, provider_verified_email: true, users_with_email: users }
    }

    #[test]
    fn only_a_trusted_provider_that_verified_the_address_is_linked() {
        let source = google();
        let untrusted = Facts { provider_trusted: false, ..facts(&source, vec![]) };
        assert_eq!(plan(untrusted), Plan::Skip(NotLinked::UntrustedProvider));
        let unverified = Facts { provider_verified_email: false, ..facts(&source, vec![]) };
        assert_eq!(plan(unverified), Plan::Skip(NotLinked::ProviderUnverifiedEmail));
        assert_eq!(plan(facts(&source, vec![])), Plan::CreateNative);
    }

    #[test]
    fn never_into_a_native_user_that_did_not_prove_the_address() {
        let source = google();
        for native in [
            user(UserStatus::Confirmed, "false", 0),
            user(UserStatus::Unconfirmed, "true", 0),
            user(UserStatus::Unconfirmed, "false", 0),
            user(UserStatus::ForceChangePassword, "true", 0),
            DirectoryUser { enabled: false, ..user(UserStatus::Confirmed, "true", 0) },
        ] {
            assert_eq!(
                plan(facts(&source, vec![native.clone()])),
                Plan::Skip(NotLinked::NativeUserUnverified),
                "{native:?}"
            );
        }
        let proved = user(UserStatus::Confirmed, "true", 0);
        let both = vec![user(UserStatus::Unconfirmed, "false", 0), proved.clone()];
        assert_eq!(plan(facts(&source, both)), Plan::IntoExisting(proved));
    }

    #[test]
    fn another_federated_user_with_the_address_is_not_a_native_user() {
        let source = google();
        let federated = user(UserStatus::ExternalProvider, "true", 0);
        assert_eq!(plan(facts(&source, vec![federated])), Plan::CreateNative);
    }

    #[test]
    fn five_identities_are_the_most_but_a_retry_of_a_linked_one_passes() {
        let source = google();
        assert_eq!(plan(facts(&source, vec![user(UserStatus::Confirmed, "true", 5)])), Plan::TooManyIdentities);
        let mut linked = user(UserStatus::Confirmed, "true", 4);
        linked.attributes.insert(
            "identities".into(),
            r#"[{"providerName":"P0","userId":"0"},{"providerName":"P1","userId":"1"},{"providerName":"P2","userId":"2"},{"providerName":"P3","userId":"3"},{"providerName":"Google","userId":"1089"}]"#.into(),
        );
        assert_eq!(plan(facts(&source, vec![linked.clone()])), Plan::IntoExisting(linked));
    }

    #[test]
    fn user_names_split_at_the_first_underscore() {
        assert_eq!(split_username("google_1089_x"), Some(("google", "1089_x")));
        assert_eq!(split_username("nounderscore"), None);
        assert_eq!(split_username("_1"), None);
    }
}
