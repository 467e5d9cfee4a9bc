//! What a message is for (its kind) and which part of it a template renders.

use std::fmt;

/// One kind of message a user pool sends. The custom-message trigger and the custom senders map
/// their trigger sources onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// The confirmation code (or link) after sign-up.
    SignUp,
    /// The invitation an administrator's AdminCreateUser sends: user name and temporary password.
    AdminInvitation,
    /// A new confirmation code on request.
    ResendCode,
    /// The password-reset code.
    ForgotPassword,
    /// The code that confirms a changed e-mail address or phone number.
    UpdateAttribute,
    /// The code that verifies an e-mail address or phone number.
    VerifyAttribute,
    /// The sign-in (MFA) code.
    SignInCode,
    /// The notice that a risky sign-in was detected (advanced security); it carries no code.
    AccountTakeover,
    /// The welcome e-mail after a sign-up is confirmed (post-confirmation). E-mail only.
    Welcome,
    /// "Please confirm": an unconfirmed sign-up is reminded once (signup-reminder). E-mail only.
    SignUpReminder,
    /// "Your unconfirmed sign-up was removed" (signup-reminder). E-mail only.
    SignUpExpired,
}

impl MessageKind {
    pub const ALL: [Self; 11] = [
        Self::SignUp,
        Self::AdminInvitation,
        Self::ResendCode,
        Self::ForgotPassword,
        Self::UpdateAttribute,
        Self::VerifyAttribute,
        Self::SignInCode,
        Self::AccountTakeover,
        Self::Welcome,
        Self::SignUpReminder,
        Self::SignUpExpired,
    ];

    /// The file name stem of its templates: `<locale>/<stem><part suffix>`.
    pub fn stem(self) -> &'static str {
        match self {
            Self::SignUp => "sign-up",
            Self::AdminInvitation => "admin-invitation",
            Self::ResendCode => "resend-code",
            Self::ForgotPassword => "forgot-password",
            Self::UpdateAttribute => "update-attribute",
            Self::VerifyAttribute => "verify-attribute",
            Self::SignInCode => "sign-in-code",
            Self::AccountTakeover => "account-takeover",
            Self::Welcome => "welcome",
            Self::SignUpReminder => "sign-up-reminder",
            Self::SignUpExpired => "sign-up-expired",
        }
    }

    pub fn from_stem(stem: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.stem() == stem)
    }

    /// Cognito refuses a message of this kind without the code placeholder (or, for the custom
    /// senders, the message is useless without the code).
    pub fn needs_code(self) -> bool {
        !matches!(self, Self::AccountTakeover) && !self.email_only()
    }

    /// The kinds that may carry `{{ link }}`: sign-up and resend when the pool verifies by link
    /// (instead of a code), the reminder and the expiry notice when the operator gives a sign-up
    /// page (`SIGNUP_URL`).
    pub fn may_link(self) -> bool {
        matches!(self, Self::SignUp | Self::ResendCode | Self::SignUpReminder | Self::SignUpExpired)
    }

    /// The suite's own e-mails (welcome, reminder, expiry): no SMS part, and always an address
    /// (`{{ email }}` is the recipient).
    pub fn email_only(self) -> bool {
        matches!(self, Self::Welcome | Self::SignUpReminder | Self::SignUpExpired)
    }

    /// The parts this kind has, one template file each.
    pub fn parts(self) -> &'static [Part] {
        if self.email_only() { &[Part::Subject, Part::Html, Part::Text] } else { &Part::ALL }
    }

    /// Cognito refuses an AdminCreateUser message without the user-name placeholder.
    pub fn needs_username(self) -> bool {
        matches!(self, Self::AdminInvitation)
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stem())
    }
}

/// One part of a message, one template file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The e-mail subject: one line.
    Subject,
    /// The HTML e-mail body (autoescaped).
    Html,
    /// The plain-text e-mail body.
    Text,
    /// The SMS text.
    Sms,
}

/// Cognito's limits, in characters: `emailMessage` 20,000, `smsMessage` 140, and the 140 its
/// message templates allow for an e-mail subject.
pub const EMAIL_LIMIT: usize = 20_000;
pub const SMS_LIMIT: usize = 140;
pub const SUBJECT_LIMIT: usize = 140;

impl Part {
    pub const ALL: [Self; 4] = [Self::Subject, Self::Html, Self::Text, Self::Sms];

    /// What follows the kind's stem in the file name. `.subject.txt` and `.sms.txt` are matched
    /// before `.txt`.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Subject => ".subject.txt",
            Self::Html => ".html",
            Self::Text => ".txt",
            Self::Sms => ".sms.txt",
        }
    }

    /// The longest rendering Cognito (or the channel) accepts.
    pub fn limit(self) -> usize {
        match self {
            Self::Subject => SUBJECT_LIMIT,
            Self::Html | Self::Text => EMAIL_LIMIT,
            Self::Sms => SMS_LIMIT,
        }
    }

    /// Subjects and SMS texts are one short text: surrounding whitespace (the file's final
    /// newline) is dropped. Bodies are kept as rendered.
    pub fn trimmed(self) -> bool {
        matches!(self, Self::Subject | Self::Sms)
    }
}

/// The template name of one part: `en/sign-up.html`.
pub fn template_name(locale: &str, kind: MessageKind, part: Part) -> String {
    format!("{locale}/{}{}", kind.stem(), part.suffix())
}

/// `sign-up.sms.txt` → (SignUp, Sms); `None` for a name that is no message part (an e-mail-only
/// kind has no `.sms.txt`).
pub fn parse_file_name(file: &str) -> Option<(MessageKind, Part)> {
    [Part::Subject, Part::Sms, Part::Html, Part::Text].into_iter().find_map(|part| {
        let stem = file.strip_suffix(part.suffix())?;
        let kind = MessageKind::from_stem(stem)?;
        kind.parts().contains(&part).then_some((kind, part))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_name_parses_back_to_its_kind_and_part() {
        for kind in MessageKind::ALL {
            for &part in kind.parts() {
                let name = template_name("en", kind, part);
                let file = name.strip_prefix("en/").unwrap_or_default();
                assert_eq!(parse_file_name(file), Some((kind, part)), "{name}");
            }
        }
        assert_eq!(parse_file_name("signup.html"), None);
        assert_eq!(parse_file_name("sign-up.md"), None);
        assert_eq!(parse_file_name("sign-up.subject.html"), None);
        assert_eq!(parse_file_name("welcome.sms.txt"), None, "the suite's own e-mails have no SMS part");
        assert_eq!(parse_file_name("sign-up-reminder.sms.txt"), None);
    }
}
