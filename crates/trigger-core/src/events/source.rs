//! `triggerSource` values, one enum per trigger. A value this build does not know is kept as
//! `Unknown(text)` instead of failing the parse, so a new Cognito flow reaches the handler, which
//! decides what to do (usually: return the event untouched).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! trigger_sources {
    ($( $(#[$meta:meta])* $name:ident { $( $variant:ident => $wire:literal ),+ $(,)? } )+) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = concat!("`", $wire, "`")] $variant, )+
            /// A source this build does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every source Cognito documents for this trigger, as it appears on the wire.
            pub const KNOWN: &'static [&'static str] = &[$( $wire ),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(text) => text,
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::Unknown(String::new())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
                Ok(Self::from(text.as_str()))
            }
        }
    )+};
}

trigger_sources! {
    /// Pre sign-up.
    PreSignUpSource {
        SignUp => "PreSignUp_SignUp",
        AdminCreateUser => "PreSignUp_AdminCreateUser",
        ExternalProvider => "PreSignUp_ExternalProvider",
    }
    /// Inbound federation.
    InboundFederationSource {
        ExternalProvider => "InboundFederation_ExternalProvider",
    }
    /// Pre authentication.
    PreAuthenticationSource {
        Authentication => "PreAuthentication_Authentication",
    }
    /// Post authentication.
    PostAuthenticationSource {
        Authentication => "PostAuthentication_Authentication",
    }
    /// Post confirmation.
    PostConfirmationSource {
        ConfirmSignUp => "PostConfirmation_ConfirmSignUp",
        ConfirmForgotPassword => "PostConfirmation_ConfirmForgotPassword",
    }
    /// Pre token generation (V1, V2 and V3 events share these).
    TokenGenerationSource {
        HostedAuth => "TokenGeneration_HostedAuth",
        Authentication => "TokenGeneration_Authentication",
        NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
        AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
        RefreshTokens => "TokenGeneration_RefreshTokens",
        ClientCredentials => "TokenGeneration_ClientCredentials",
    }
    /// Custom message.
    CustomMessageSource {
        SignUp => "CustomMessage_SignUp",
        AdminCreateUser => "CustomMessage_AdminCreateUser",
        ResendCode => "CustomMessage_ResendCode",
        ForgotPassword => "CustomMessage_ForgotPassword",
        UpdateUserAttribute => "CustomMessage_UpdateUserAttribute",
        VerifyUserAttribute => "CustomMessage_VerifyUserAttribute",
        Authentication => "CustomMessage_Authentication",
    }
    /// User migration.
    UserMigrationSource {
        Authentication => "UserMigration_Authentication",
        ForgotPassword => "UserMigration_ForgotPassword",
    }
    /// Custom e-mail sender.
    CustomEmailSenderSource {
        SignUp => "CustomEmailSender_SignUp",
        ResendCode => "CustomEmailSender_ResendCode",
        ForgotPassword => "CustomEmailSender_ForgotPassword",
        UpdateUserAttribute => "CustomEmailSender_UpdateUserAttribute",
        VerifyUserAttribute => "CustomEmailSender_VerifyUserAttribute",
        AdminCreateUser => "CustomEmailSender_AdminCreateUser",
        Authentication => "CustomEmailSender_Authentication",
        AccountTakeOverNotification => "CustomEmailSender_AccountTakeOverNotification",
    }
    /// Custom SMS sender.
    CustomSmsSenderSource {
        SignUp => "CustomSMSSender_SignUp",
        ResendCode => "CustomSMSSender_ResendCode",
        ForgotPassword => "CustomSMSSender_ForgotPassword",
        UpdateUserAttribute => "CustomSMSSender_UpdateUserAttribute",
        VerifyUserAttribute => "CustomSMSSender_VerifyUserAttribute",
        AdminCreateUser => "CustomSMSSender_AdminCreateUser",
        Authentication => "CustomSMSSender_Authentication",
        AccountTakeOverNotification => "CustomSMSSender_AccountTakeOverNotification",
    }
    /// Define auth challenge (custom authentication).
    DefineAuthChallengeSource {
        Authentication => "DefineAuthChallenge_Authentication",
    }
    /// Create auth challenge (custom authentication).
    CreateAuthChallengeSource {
        Authentication => "CreateAuthChallenge_Authentication",
    }
    /// Verify auth challenge response (custom authentication).
    VerifyAuthChallengeResponseSource {
        Authentication => "VerifyAuthChallengeResponse_Authentication",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sources_round_trip_and_unknown_ones_are_kept() {
        for wire in TokenGenerationSource::KNOWN {
            let parsed: TokenGenerationSource = serde_json::from_value(serde_json::json!(wire)).unwrap();
            assert!(parsed.is_known(), "{wire} should be known");
            assert_eq!(serde_json::to_value(&parsed).unwrap(), serde_json::json!(wire));
        }
        let future: PreSignUpSource = serde_json::from_value(serde_json::json!("PreSignUp_SomethingNew")).unwrap();
        assert_eq!(future, PreSignUpSource::Unknown("PreSignUp_SomethingNew".into()));
        assert_eq!(serde_json::to_value(&future).unwrap(), "PreSignUp_SomethingNew");
        let null: PreSignUpSource = serde_json::from_value(serde_json::Value::Null).unwrap();
        assert!(!null.is_known());
    }
}
