//! The decisions, as plain functions of the event's facts and the settings.

use trigger_core::events::PreSignUpSource;
use trigger_core::{TriggerError, UserMessage};

use crate::email::Email;
use crate::federated;
use crate::settings::Settings;

pub const DOMAIN_NOT_ALLOWED: &str = "Sign-up with this e-mail domain is not allowed";
pub const EMAIL_INVALID: &str = "Please sign up with a valid e-mail address";
/// A name of the form linking gives the native users it creates (`linked-<32 hex>`).
pub const USERNAME_RESERVED: &str = "This user name is reserved. Please choose another";

/// Deny lists win over allow lists. With any domain rule on, a missing or malformed address is
/// refused (never let through unchecked).
pub fn check_email_domain(email: Option<&str>, settings: &Settings) -> Result<(), TriggerError> {
    if !settings.has_domain_rules() {
        return Ok(());
    }
    let email = email.and_then(Email::parse).ok_or_else(|| TriggerError::denied(EMAIL_INVALID))?;
    let domain = email.domain();
    if settings.denied_domains.iter().any(|p| p.matches(domain)) {
        return Err(TriggerError::denied(DOMAIN_NOT_ALLOWED));
    }
    if !settings.allowed_domains.is_empty() && !settings.allowed_domains.iter().any(|p| p.matches(domain)) {
        return Err(TriggerError::denied(DOMAIN_NOT_ALLOWED));
    }
    Ok(())
}

/// Whether the address's domain is one whose sign-ups are confirmed and verified automatically.
pub fn auto_confirms(email: &Email, settings: &Settings) -> bool {
    settings.auto_confirm_domains.iter().any(|p| p.matches(email.domain()))
}

/// The names linking gives its native users are reserved for it: nobody else may sign up under
/// one (an administrator's `AdminCreateUser` may, which is how linking creates them). Then a
/// minimum length, counted in characters.
pub fn check_username(username: &str, source: &PreSignUpSource, settings: &Settings) -> Result<(), TriggerError> {
    if *source != PreSignUpSource::AdminCreateUser && federated::is_native_user_name(username) {
        return Err(TriggerError::denied(USERNAME_RESERVED));
    }
    let minimum = settings.min_username_length;
    if minimum > 0 && username.trim().chars().count() < minimum {
        return Err(TriggerError::Denied(UserMessage::composed(format!(
            "User names must be at least {minimum} characters long"
        ))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        crate::settings::for_test(("UNIQUE_EMAIL", "false"), pairs)
    }

    fn denial(result: Result<(), TriggerError>) -> Option<String> {
        result.err().map(|e| e.user_message().to_owned())
    }

    #[test]
    fn deny_list_wins_over_allow_list() {
        let s = settings(&[("ALLOWED_EMAIL_DOMAINS", "*.example.com"), ("DENIED_EMAIL_DOMAINS", "spam.example.com")]);
        assert_eq!(denial(check_email_domain(Some("a@example.com"), &s)), None);
        assert_eq!(denial(check_email_domain(Some("a@eu.example.com"), &s)), None);
        assert_eq!(denial(check_email_domain(Some("a@Spam.Example.com"), &s)).as_deref(), Some(DOMAIN_NOT_ALLOWED));
        assert_eq!(denial(check_email_domain(Some("a@other.org"), &s)).as_deref(), Some(DOMAIN_NOT_ALLOWED));
    }

    #[test]
    fn missing_or_malformed_address_is_refused_only_when_rules_are_on() {
        let on = settings(&[("DENIED_EMAIL_DOMAINS", "blocked.example")]);
        assert_eq!(denial(check_email_domain(None, &on)).as_deref(), Some(EMAIL_INVALID));
        assert_eq!(denial(check_email_domain(Some("not-an-address"), &on)).as_deref(), Some(EMAIL_INVALID));
        assert_eq!(denial(check_email_domain(Some("x@ok.example"), &on)), None);
        let off = settings(&[]);
        assert_eq!(denial(check_email_domain(None, &off)), None);
        assert_eq!(denial(check_email_domain(Some("not-an-address"), &off)), None);
    }

    #[test]
    fn auto_confirm_domains_match_like_the_other_lists() {
        let s = settings(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "*.corp.example")]);
        assert!(auto_confirms(&Email::parse("a@eu.corp.example").unwrap(), &s));
        assert!(!auto_confirms(&Email::parse("a@corp.example.org").unwrap(), &s));
    }

    #[test]
    fn username_minimum_counts_characters() {
        let s = settings(&[("MIN_USERNAME_LENGTH", "4")]);
        let sign_up = PreSignUpSource::SignUp;
        assert_eq!(denial(check_username("abcd", &sign_up, &s)), None);
        assert_eq!(
            denial(check_username("äöü", &sign_up, &s)).as_deref(),
            Some("User names must be at least 4 characters long")
        );
        assert_eq!(denial(check_username("ab", &sign_up, &settings(&[]))), None);
    }

    #[test]
    fn a_sign_up_under_the_name_linking_would_give_a_federated_identity_is_refused() {
        let s = settings(&[]);
        let source =
            trigger_core::ports::ProviderUser { provider_name: "Google".into(), provider_user_id: "1089".into() };
        let name = federated::native_user_name("us-east-1_X", &source);
        assert_eq!(denial(check_username(&name, &PreSignUpSource::SignUp, &s)).as_deref(), Some(USERNAME_RESERVED));
        let shouted = name.to_uppercase();
        assert_eq!(
            denial(check_username(&shouted, &PreSignUpSource::SignUp, &s)).as_deref(),
            Some(USERNAME_RESERVED),
            "a case-insensitive pool takes it for the same name"
        );
        assert_eq!(denial(check_username(&name, &PreSignUpSource::AdminCreateUser, &s)), None, "linking creates it so");
        assert_eq!(denial(check_username("linked-in-fan", &PreSignUpSource::SignUp, &s)), None);
    }
}
