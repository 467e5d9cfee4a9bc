//! AWS SDK adapters of the ports, and the one SDK configuration they share.
//!
//! Clients are built once at cold start from one `SdkConfig`, which honours the standard
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables (the local stack uses them) and
//! carries explicit timeouts and few retries so that every call fits Cognito's 5-second budget.

mod cognito;
mod dynamodb;
mod error;
mod eventbridge;
pub mod https;
mod legacy_users;
mod old_pool;
#[cfg(feature = "secrets")]
mod secrets;
mod ses;
mod sfn;
#[cfg(feature = "sns")]
mod sns;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

pub use cognito::CognitoDirectory;
pub use dynamodb::DynamoStore;
pub use eventbridge::EventBridgePublisher;
pub use legacy_users::DynamoLegacyUsers;
pub use old_pool::CognitoOldPool;
#[cfg(feature = "secrets")]
pub use secrets::SecretsManagerSource;
pub use ses::SesMailer;
pub use sfn::StepFunctionsScheduler;
#[cfg(feature = "sns")]
pub use sns::{SmsOptions, SnsSms};

use crate::config::{ConfigError, Env};
use https::TrustStore;

/// Timeouts and retries for every AWS call. Defaults: 1 s per attempt, 2.5 s per operation
/// (attempts and back-off included), 2 attempts, 300 ms to connect. Two sequential calls at their
/// worst still answer Cognito within its 5 s; the runtime's own deadline is the backstop. And the
/// roots TLS connections are verified against ([`https`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsSettings {
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    pub max_attempts: u32,
    pub trust_store: TrustStore,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set, as Lambda sets them for the
    /// function's role: the credentials are taken from there directly (see [`Aws::load`]).
    pub credentials_in_environment: bool,
}

impl AwsSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let settings = Self {
            connect_timeout: env.millis("SDK_CONNECT_TIMEOUT_MS", 300, 50..=4_000)?,
            attempt_timeout: env.millis("SDK_ATTEMPT_TIMEOUT_MS", 1_000, 100..=4_500)?,
            operation_timeout: env.millis("SDK_OPERATION_TIMEOUT_MS", 2_500, 100..=4_800)?,
            max_attempts: env.number("SDK_MAX_ATTEMPTS", 2, 1..=5)?,
            trust_store: TrustStore::from_env(env)?,
            credentials_in_environment: env.text("AWS_ACCESS_KEY_ID").is_some()
                && env.text("AWS_SECRET_ACCESS_KEY").is_some(),
        };
        if settings.attempt_timeout > settings.operation_timeout {
            return Err(ConfigError::invalid(
                "SDK_ATTEMPT_TIMEOUT_MS",
                &settings.attempt_timeout.as_millis().to_string(),
                "must not exceed SDK_OPERATION_TIMEOUT_MS",
            ));
        }
        Ok(settings)
    }
}

/// The shared SDK configuration; builds each adapter on demand (clients are cheap to build from
/// it and share its HTTP connector).
#[derive(Clone, Debug)]
pub struct Aws {
    config: SdkConfig,
    settings: AwsSettings,
}

impl Aws {
    /// Loads region, credentials and endpoint from the environment. Makes no network call:
    /// credentials resolve on first use. Where the environment holds credentials (always, on
    /// Lambda), they are what the SDK's default chain would find first; naming that provider
    /// spares building the rest of the chain, whose web-identity provider alone builds an STS
    /// client (a tenth of pre-signup's instructions from exec to its first answer, callgrind).
    pub async fn load(settings: &AwsSettings) -> Self {
        Self::load_with_endpoint(settings, None).await
    }

    /// As [`Aws::load`], with every client pointed at `endpoint` when given (tests: a fault proxy
    /// in front of the local stack).
    pub async fn load_with_endpoint(settings: &AwsSettings, endpoint: Option<&str>) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(settings.connect_timeout)
            .operation_attempt_timeout(settings.attempt_timeout)
            .operation_timeout(settings.operation_timeout)
            .build();
        let retries = RetryConfig::standard()
            .with_max_attempts(settings.max_attempts)
            .with_initial_backoff(Duration::from_millis(50))
            .with_max_backoff(Duration::from_millis(400));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https::https_client(settings.trust_store))
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if settings.credentials_in_environment {
            loader =
                loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
        }
        let config = loader.load().await;
        Self { config, settings: settings.clone() }
    }

    /// For a call that must not be repeated by the SDK (it has no idempotency token, and an
    /// attempt that timed out may still have taken effect: an e-mail, a text message): one
    /// attempt, allowed the whole operation timeout, so that a slow call that succeeds is not cut
    /// short either. Only the caller's retry (Cognito, Lambda, Step Functions) sends again, and
    /// the triggers guard that one with their claims.
    fn one_attempt(&self) -> (RetryConfig, TimeoutConfig) {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(self.settings.connect_timeout)
            .operation_attempt_timeout(self.settings.operation_timeout)
            .operation_timeout(self.settings.operation_timeout)
            .build();
        (RetryConfig::disabled(), timeouts)
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    pub fn store(&self, table_name: impl Into<String>) -> DynamoStore {
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.config), table_name)
    }

    pub fn directory(&self) -> CognitoDirectory {
        CognitoDirectory::new(aws_sdk_cognitoidentityprovider::Client::new(&self.config))
    }

    pub fn legacy_users(&self, table_name: impl Into<String>) -> DynamoLegacyUsers {
        DynamoLegacyUsers::new(aws_sdk_dynamodb::Client::new(&self.config), table_name)
    }

    /// The directory adapter on a client for `region`: another pool's users, read with the same
    /// calls (pre sign-up reads an old pool's users while a migration runs). Links no operation
    /// beyond the directory's own.
    pub fn directory_in(&self, region: &str) -> CognitoDirectory {
        let config = aws_sdk_cognitoidentityprovider::config::Builder::from(&self.config)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        CognitoDirectory::new(aws_sdk_cognitoidentityprovider::Client::from_conf(config))
    }

    /// Another user pool, in `region` (the prefix of its id), through `client_id`.
    pub fn old_pool(&self, user_pool_id: &str, client_id: &str, region: &str) -> CognitoOldPool {
        let config = aws_sdk_cognitoidentityprovider::config::Builder::from(&self.config)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        CognitoOldPool::new(aws_sdk_cognitoidentityprovider::Client::from_conf(config), user_pool_id, client_id)
    }

    /// SESv2, one attempt per send ([`Self::one_attempt`]: SendEmail has no idempotency token).
    pub fn mailer(&self) -> SesMailer {
        let (retries, timeouts) = self.one_attempt();
        let config =
            aws_sdk_sesv2::config::Builder::from(&self.config).retry_config(retries).timeout_config(timeouts).build();
        SesMailer::new(aws_sdk_sesv2::Client::from_conf(config))
    }

    /// The event bus `bus_name` (a name or an ARN).
    pub fn event_bus(&self, bus_name: impl Into<String>) -> EventBridgePublisher {
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&self.config), bus_name)
    }

    pub fn scheduler(&self) -> StepFunctionsScheduler {
        StepFunctionsScheduler::new(aws_sdk_sfn::Client::new(&self.config))
    }

    /// Secrets Manager (feature `secrets`): the delivery providers' credentials, read at cold
    /// start and after a refusal. A read has no side effect: the shared retries and timeouts.
    #[cfg(feature = "secrets")]
    pub fn secrets(&self) -> SecretsManagerSource {
        SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&self.config))
    }

    /// Text messages through SNS (feature `sns`), one attempt per message ([`Self::one_attempt`]:
    /// Publish to a phone number has no idempotency token either).
    #[cfg(feature = "sns")]
    pub fn sms(&self, options: SmsOptions) -> SnsSms {
        let (retries, timeouts) = self.one_attempt();
        let config =
            aws_sdk_sns::config::Builder::from(&self.config).retry_config(retries).timeout_config(timeouts).build();
        SnsSms::new(aws_sdk_sns::Client::from_conf(config), options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_inside_the_budget_and_reject_inverted_timeouts() {
        let settings = AwsSettings::from_env(&Env::default()).unwrap();
        assert_eq!(settings.attempt_timeout, Duration::from_millis(1_000));
        assert_eq!(settings.operation_timeout, Duration::from_millis(2_500));
        assert_eq!(settings.max_attempts, 2);
        let env = Env::from_pairs([("SDK_ATTEMPT_TIMEOUT_MS", "3000"), ("SDK_OPERATION_TIMEOUT_MS", "2000")]);
        assert_eq!(AwsSettings::from_env(&env).unwrap_err().variable(), "SDK_ATTEMPT_TIMEOUT_MS");
        let env = Env::from_pairs([("SDK_MAX_ATTEMPTS", "0")]);
        assert_eq!(AwsSettings::from_env(&env).unwrap_err().variable(), "SDK_MAX_ATTEMPTS");
    }

    #[test]
    fn credentials_are_taken_from_the_environment_only_when_both_halves_are_there() {
        let both = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")]);
        assert!(AwsSettings::from_env(&both).unwrap().credentials_in_environment);
        let half = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", " ")]);
        assert!(!AwsSettings::from_env(&half).unwrap().credentials_in_environment, "the default chain decides");
        assert_eq!(AwsSettings::from_env(&Env::default()).unwrap().trust_store, TrustStore::Amazon);
    }

    #[tokio::test]
    async fn a_send_is_one_attempt_allowed_the_whole_operation_timeout() {
        let settings = AwsSettings::from_env(&Env::default()).unwrap();
        let (retries, timeouts) = Aws::load(&settings).await.one_attempt();
        assert_eq!(retries.max_attempts(), 1);
        assert_eq!(timeouts.operation_attempt_timeout(), Some(settings.operation_timeout));
        assert_eq!(timeouts.operation_timeout(), Some(settings.operation_timeout));
        assert_eq!(timeouts.connect_timeout(), Some(settings.connect_timeout));
    }
}
