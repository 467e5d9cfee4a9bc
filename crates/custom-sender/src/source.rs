//! Which catalogue message each sender source asks for.

use message_catalogue::MessageKind;
use trigger_core::events::{CustomEmailSenderSource, CustomSmsSenderSource};

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// The idempotency purpose of its deliveries (the binary's name).
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Email => "custom-email-sender",
            Self::Sms => "custom-sms-sender",
        }
    }
}

/// The message for a custom e-mail sender source; `None` for a source this build does not know.
pub fn email_kind(source: &CustomEmailSenderSource) -> Option<MessageKind> {
    use CustomEmailSenderSource as S;
    Some(match source {
        S::SignUp => MessageKind::SignUp,
        S::ResendCode => MessageKind::ResendCode,
        S::ForgotPassword => MessageKind::ForgotPassword,
        S::UpdateUserAttribute => MessageKind::UpdateAttribute,
        S::VerifyUserAttribute => MessageKind::VerifyAttribute,
        S::AdminCreateUser => MessageKind::AdminInvitation,
        S::Authentication => MessageKind::SignInCode,
        S::AccountTakeOverNotification => MessageKind::AccountTakeover,
        S::Unknown(_) => return None,
    })
}

/// The message for a custom SMS sender source; `None` for a source this build does not know.
pub fn sms_kind(source: &CustomSmsSenderSource) -> Option<MessageKind> {
    use CustomSmsSenderSource as S;
    Some(match source {
        S::SignUp => MessageKind::SignUp,
        S::ResendCode => MessageKind::ResendCode,
        S::ForgotPassword => MessageKind::ForgotPassword,
        S::UpdateUserAttribute => MessageKind::UpdateAttribute,
        S::VerifyUserAttribute => MessageKind::VerifyAttribute,
        S::AdminCreateUser => MessageKind::AdminInvitation,
        S::Authentication => MessageKind::SignInCode,
        S::AccountTakeOverNotification => MessageKind::AccountTakeover,
        S::Unknown(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_eight_sources_of_each_sender_map_to_the_eight_kinds() {
        let email: Vec<_> = CustomEmailSenderSource::KNOWN
            .iter()
            .map(|s| email_kind(&CustomEmailSenderSource::from(*s)).unwrap())
            .collect();
        let sms: Vec<_> =
            CustomSmsSenderSource::KNOWN.iter().map(|s| sms_kind(&CustomSmsSenderSource::from(*s)).unwrap()).collect();
        assert_eq!(email, sms, "the same order of sources, the same kinds");
        let mut distinct = email.clone();
        distinct.sort();
        distinct.dedup();
        // Every kind Cognito sends, each once (not the suite's own e-mails: welcome, reminder, expiry).
        let cognitos: Vec<_> = MessageKind::ALL.into_iter().filter(|kind| !kind.email_only()).collect();
        assert_eq!(distinct, cognitos, "every kind, each once");
        // The suffixes match: CustomEmailSender_X and CustomSMSSender_X ask for the same message.
        for (e, s) in CustomEmailSenderSource::KNOWN.iter().zip(CustomSmsSenderSource::KNOWN) {
            assert_eq!(e.strip_prefix("CustomEmailSender_"), s.strip_prefix("CustomSMSSender_"));
        }
        assert_eq!(email_kind(&CustomEmailSenderSource::from("CustomEmailSender_New")), None);
        assert_eq!(sms_kind(&CustomSmsSenderSource::from("CustomSMSSender_New")), None);
    }
}
