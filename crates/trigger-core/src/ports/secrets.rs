//! The secrets port (Secrets Manager in production), and [`RotatingSecret`]: a provider's
//! credentials read once at cold start and read again when the provider refuses them.
//!
//! A secret's value goes from the source into a [`Secret`] and from there into the provider's
//! request; it is never logged and never part of an error text. Errors name the setting that
//! holds the secret's id, and the id (a name or ARN, which is not secret), never the value.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::{PortError, PortErrorKind};
use crate::config::ConfigError;
use crate::logging::Secret;

#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The current text of secret `id` (a name or an ARN). A secret that does not exist, or has
    /// no text value, is a `Rejected` error.
    async fn secret_string(&self, id: &str) -> Result<Secret<String>, PortError>;
}

/// Turns a secret's text into the credentials a provider uses. The error is a reason for the
/// init log ("not JSON with a text `username`"): it must not quote the text it was given.
pub type ParseSecret<T> = fn(&str) -> Result<T, &'static str>;

/// A secret's parsed value, read at cold start, and read again on demand: after a provider
/// refuses the credentials (they may have been rotated since the cold start), once.
pub struct RotatingSecret<T> {
    source: Arc<dyn SecretSource>,
    /// The setting that names the secret (`SMTP_CREDENTIALS_SECRET`): what error texts name.
    setting: &'static str,
    id: String,
    parse: ParseSecret<T>,
    current: RwLock<Arc<T>>,
}

impl<T> std::fmt::Debug for RotatingSecret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingSecret").field("setting", &self.setting).field("id", &self.id).finish_non_exhaustive()
    }
}

impl<T: Send + Sync> RotatingSecret<T> {
    /// Reads and parses secret `id`, named by `setting`. Any failure (unreachable, missing, not
    /// parseable) is a [`ConfigError`] naming `setting` and the id: the function's init fails.
    pub async fn load(
        source: Arc<dyn SecretSource>,
        setting: &'static str,
        id: &str,
        parse: ParseSecret<T>,
    ) -> Result<Self, ConfigError> {
        let value =
            read(&*source, setting, id, parse).await.map_err(|err| ConfigError::invalid(setting, id, err.detail))?;
        Ok(Self { source, setting, id: id.to_owned(), parse, current: RwLock::new(Arc::new(value)) })
    }

    /// The credentials in use.
    pub fn current(&self) -> Arc<T> {
        match self.current.read() {
            Ok(value) => value.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the secret again and uses its value from now on. An error keeps the old value.
    pub async fn reload(&self) -> Result<Arc<T>, PortError> {
        let fresh = Arc::new(read(&*self.source, self.setting, &self.id, self.parse).await?);
        match self.current.write() {
            Ok(mut value) => *value = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    /// Runs `call` with the current credentials; when the provider refuses them
    /// (`Unauthorized`), reads the secret again and runs `call` once more with the new value.
    /// A second refusal is returned as it is (`Unauthorized`: transient, the secret may be
    /// mid-rotation). Nothing else is repeated: `call` may have had an effect.
    pub async fn with_rotation<R, F, Fut>(&self, call: F) -> Result<R, PortError>
    where
        F: Fn(Arc<T>) -> Fut + Send + Sync,
        Fut: Future<Output = Result<R, PortError>> + Send,
    {
        match call(self.current()).await {
            Err(err) if err.kind == PortErrorKind::Unauthorized => {
                tracing::warn!(setting = self.setting, "credentials refused: reading the secret again once");
                let fresh = self.reload().await?;
                call(fresh).await
            }
            other => other,
        }
    }
}

async fn read<T>(
    source: &dyn SecretSource,
    setting: &'static str,
    id: &str,
    parse: ParseSecret<T>,
) -> Result<T, PortError> {
    let text = source.secret_string(id).await.map_err(|err| {
        PortError::new(
            err.service,
            err.operation,
            err.kind,
            format!("{setting}: secret {id:?} not read: {}", err.detail),
        )
    })?;
    parse(text.expose()).map_err(|reason| {
        PortError::new("secrets", "parse", PortErrorKind::Rejected, format!("{setting}: secret {id:?} is {reason}"))
    })
}

/// `{"username": …, "password": …}`, both non-empty text: the shape of an SMTP server's and of
/// Twilio's credentials (under their own field names). The reason names the fields, never a value.
pub fn json_object(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, &'static str> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(fields)) => Ok(fields),
        _ => Err("not a JSON object"),
    }
}

/// The non-empty text field `name` of a parsed secret, as a [`Secret`].
pub fn text_field(fields: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<Secret<String>> {
    match fields.get(name) {
        Some(serde_json::Value::String(value)) if !value.trim().is_empty() => Some(Secret::new(value.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::FakeSecrets;

    #[derive(Debug, PartialEq)]
    struct Login {
        user: String,
        password: Secret<String>,
    }

    fn login(text: &str) -> Result<Login, &'static str> {
        let fields = json_object(text)?;
        match (text_field(&fields, "username"), text_field(&fields, "password")) {
            (Some(user), Some(password)) => Ok(Login { user: user.expose().clone(), password }),
            _ => Err("missing a text \"username\" or \"password\""),
        }
    }

    #[tokio::test]
    async fn a_missing_or_malformed_secret_fails_init_naming_the_setting_not_the_value() {
        let secrets = Arc::new(FakeSecrets::default());
        secrets.put("smtp", r#"{"username": "mailer", "password": ["hunter2-in-a-list"]}"#);
        let err = RotatingSecret::load(secrets.clone(), "SMTP_CREDENTIALS_SECRET", "smtp", login).await.unwrap_err();
        assert_eq!(err.variable(), "SMTP_CREDENTIALS_SECRET");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        secrets.put("not-json", "hunter2");
        let err =
            RotatingSecret::load(secrets.clone(), "SMTP_CREDENTIALS_SECRET", "not-json", login).await.unwrap_err();
        assert!(err.to_string().contains("not a JSON object") && !err.to_string().contains("hunter2"), "{err}");
        let err = RotatingSecret::load(secrets.clone(), "SMTP_CREDENTIALS_SECRET", "absent", login).await.unwrap_err();
        assert_eq!(err.variable(), "SMTP_CREDENTIALS_SECRET");
        assert!(err.to_string().contains("\"absent\""), "the id is named: {err}");
    }

    #[tokio::test]
    async fn a_refused_credential_is_read_again_once_and_the_new_value_kept() {
        let secrets = Arc::new(FakeSecrets::default());
        secrets.put("smtp", r#"{"username": "mailer", "password": "old"}"#);
        let secret = RotatingSecret::load(secrets.clone(), "SMTP_CREDENTIALS_SECRET", "smtp", login).await.unwrap();
        assert_eq!(secrets.reads(), 1);
        let debug = format!("{secret:?}");
        assert!(debug.contains("SMTP_CREDENTIALS_SECRET") && !debug.contains("old"), "{debug}");
        // Rotated after the cold start: the server accepts only the new password.
        secrets.put("smtp", r#"{"username": "mailer", "password": "new"}"#);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let send = |login: Arc<Login>| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                match login.password.expose().as_str() {
                    "new" => Ok("sent"),
                    _ => Err(PortError::new("smtp", "AUTH", PortErrorKind::Unauthorized, "535")),
                }
            }
        };
        assert_eq!(secret.with_rotation(send).await.unwrap(), "sent");
        assert_eq!((secrets.reads(), calls.load(std::sync::atomic::Ordering::SeqCst)), (2, 2));
        assert_eq!(secret.current().password.expose(), "new", "kept for the next invocations");
        assert_eq!(secret.with_rotation(send).await.unwrap(), "sent");
        assert_eq!(secrets.reads(), 2, "no read while the credentials work");

        // Refused with the fresh value too: one re-read, then the refusal, still Unauthorized.
        secrets.put("smtp", r#"{"username": "mailer", "password": "newer"}"#);
        let refuse =
            |_: Arc<Login>| async { Err::<(), _>(PortError::new("smtp", "AUTH", PortErrorKind::Unauthorized, "535")) };
        secret.reload().await.unwrap();
        let err = secret.with_rotation(refuse).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unauthorized);
        assert_eq!(secrets.reads(), 4, "one reload by hand, one by the refusal: never a loop");
        // Any other failure is returned at once, without a read.
        let down =
            |_: Arc<Login>| async { Err::<(), _>(PortError::new("smtp", "DATA", PortErrorKind::Unavailable, "421")) };
        assert_eq!(secret.with_rotation(down).await.unwrap_err().kind, PortErrorKind::Unavailable);
        assert_eq!(secrets.reads(), 4);
    }
}
