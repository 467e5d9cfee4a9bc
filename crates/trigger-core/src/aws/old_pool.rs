//! [`OldUserPool`] on the Cognito admin APIs of another user pool (possibly in another Region).

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::{AdminGetUserError, AdminGetUserOutput};
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthError;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, DeliveryMediumType};

use super::CognitoDirectory;
use super::cognito::attributes;
use super::error::port_error;
use crate::logging::Secret;
use crate::ports::{
    DirectoryUser, OldPoolMfa, OldPoolSignIn, OldPoolUserMfa, OldUserPool, PortError, UserDirectory, UserStatus,
};

const SERVICE: &str = "cognito-idp";

#[derive(Clone, Debug)]
pub struct CognitoOldPool {
    client: Client,
    directory: CognitoDirectory,
    user_pool_id: String,
    client_id: String,
}

impl CognitoOldPool {
    pub fn new(client: Client, user_pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        let directory = CognitoDirectory::new(client.clone());
        Self { client, directory, user_pool_id: user_pool_id.into(), client_id: client_id.into() }
    }
}

/// The answers that mean "not this password for this user" (whatever the reason), told apart from
/// failures of the call itself.
fn is_refusal(err: &AdminInitiateAuthError) -> bool {
    matches!(
        err,
        AdminInitiateAuthError::NotAuthorizedException(_)
            | AdminInitiateAuthError::UserNotFoundException(_)
            | AdminInitiateAuthError::UserNotConfirmedException(_)
            | AdminInitiateAuthError::PasswordResetRequiredException(_)
    )
}

/// The MFA settings of an `AdminGetUser` answer: `UserMFASettingList` (the current API), and the
/// older `MFAOptions`, where SMS is the only delivery medium Cognito ever used for MFA.
fn mfa(output: &AdminGetUserOutput) -> OldPoolMfa {
    // An empty value is no value (moto answers `PreferredMfaSetting: ""` for none).
    let mut factors: Vec<String> = output.user_mfa_setting_list().iter().filter(|f| !f.is_empty()).cloned().collect();
    let legacy_sms =
        output.mfa_options().iter().any(|option| option.delivery_medium() == Some(&DeliveryMediumType::Sms));
    if legacy_sms && !factors.iter().any(|factor| factor == OldPoolMfa::SMS) {
        factors.push(OldPoolMfa::SMS.to_owned());
    }
    let preferred = output.preferred_mfa_setting().filter(|p| !p.is_empty()).map(str::to_owned);
    OldPoolMfa { factors, preferred }
}

#[async_trait]
impl OldUserPool for CognitoOldPool {
    async fn sign_in(&self, username: &str, password: &Secret<String>) -> Result<OldPoolSignIn, PortError> {
        let answer = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password.expose())
            .send()
            .await;
        match answer {
            Ok(output) => Ok(match output.challenge_name() {
                Some(challenge) => OldPoolSignIn::Challenge(challenge.as_str().to_owned()),
                None if output.authentication_result().is_some() => OldPoolSignIn::Authenticated,
                // Neither tokens nor a challenge: nothing Cognito documents; not a sign-in.
                None => OldPoolSignIn::Refused,
            }),
            Err(SdkError::ServiceError(e)) if is_refusal(e.err()) => Ok(OldPoolSignIn::Refused),
            Err(e) => Err(port_error(SERVICE, "AdminInitiateAuth", e)),
        }
    }

    async fn get_user(&self, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        self.directory.get_user(&self.user_pool_id, username).await
    }

    async fn get_user_with_mfa(&self, username: &str) -> Result<Option<OldPoolUserMfa>, PortError> {
        match self.client.admin_get_user().user_pool_id(&self.user_pool_id).username(username).send().await {
            Ok(output) => Ok(Some(OldPoolUserMfa {
                user: DirectoryUser {
                    username: output.username().to_owned(),
                    status: UserStatus::parse(output.user_status().map(|s| s.as_str()).unwrap_or_default()),
                    enabled: output.enabled(),
                    created_at: output.user_create_date().map(|d| d.secs()),
                    attributes: attributes(output.user_attributes()),
                },
                mfa: mfa(&output),
            })),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminGetUserError::UserNotFoundException(_)) => {
                Ok(None)
            }
            Err(e) => Err(port_error(SERVICE, "AdminGetUser", e)),
        }
    }
}
