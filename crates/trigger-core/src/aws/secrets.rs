//! [`SecretSource`] on Secrets Manager `GetSecretValue` (trigger-core feature `secrets`).

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;

use super::error::port_error;
use crate::logging::Secret;
use crate::ports::{PortError, PortErrorKind, SecretSource};

const SERVICE: &str = "secretsmanager";

#[derive(Clone, Debug)]
pub struct SecretsManagerSource {
    client: Client,
}

impl SecretsManagerSource {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSource {
    /// The `AWSCURRENT` version's `SecretString`. The error's detail is the service's code and
    /// message (`ResourceNotFoundException`, `AccessDeniedException`, a KMS refusal), never the
    /// response body.
    async fn secret_string(&self, id: &str) -> Result<Secret<String>, PortError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "GetSecretValue", e))?;
        match output.secret_string {
            Some(text) => Ok(Secret::new(text)),
            None => {
                Err(PortError::new(SERVICE, "GetSecretValue", PortErrorKind::Rejected, "the secret has no text value"))
            }
        }
    }
}
