//! For integration tests only (feature `testing`): a KMS key in the local stack's moto and codes
//! encrypted with it by the official Python Encryption SDK (`encrypt_as_cognito.py`, installed
//! into tools/venv by `make tools`), in Cognito's v1 format or cognito-local's v2.

use std::path::PathBuf;
use std::process::Command;

/// The message format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Cognito's: v1, suite 0x0378 (signed, not key-committing).
    CognitoV1,
    /// cognito-local's (JS SDK default): v2, suite 0x0578 (committing).
    CommittingV2,
}

/// A new symmetric KMS key in the local stack; its ARN.
pub async fn create_key(kms: &aws_sdk_kms::Client) -> Result<String, String> {
    let key = kms.create_key().description("cognito-triggers test key").send().await.map_err(|e| format!("{e:?}"))?;
    key.key_metadata().map(|m| m.arn().unwrap_or_default().to_owned()).ok_or_else(|| "no key metadata".to_owned())
}

fn workspace_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// `code` encrypted under `key_arn` with `context`, base64 (as `request.code` carries it).
/// The Python interpreter: `ESDK_PYTHON`, default tools/venv/bin/python.
pub fn encrypt(key_arn: &str, code: &str, context: &[(&str, &str)], format: Format) -> Result<String, String> {
    let python = std::env::var_os("ESDK_PYTHON").map_or_else(|| workspace_file("tools/venv/bin/python"), PathBuf::from);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/encrypt_as_cognito.py");
    let mut command = Command::new(&python);
    command.arg(script).args(["--key-id", key_arn, "--plaintext", code]);
    command.args(["--format", if format == Format::CognitoV1 { "v1" } else { "v2" }]);
    for (key, value) in context {
        command.args(["--context", &format!("{key}={value}")]);
    }
    let output = command.output().map_err(|e| format!("{}: {e} (run `make tools`)", python.display()))?;
    if !output.status.success() {
        return Err(format!("encrypt_as_cognito.py failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// Where a custom sender's fault test starts (`tests/faults.rs` of custom-email-sender and
/// custom-sms-sender): a key of its own in the local stack's moto, a fault proxy in front of
/// moto, the production SDK settings through that proxy, and the decryptor of the key through it.
pub struct FaultRig {
    pub key: String,
    pub proxy: trigger_core::testing::fault_proxy::FaultProxy,
    pub aws: trigger_core::aws::Aws,
    pub decryptor: crate::EsdkDecryptor,
}

impl FaultRig {
    pub async fn start() -> Result<Self, String> {
        let local = trigger_core::testing::local_aws().await.map_err(|e| e.to_string())?;
        let key = create_key(&aws_sdk_kms::Client::new(local.sdk_config())).await?;
        let proxy = trigger_core::testing::fault_proxy::FaultProxy::in_front_of_moto().map_err(|e| e.to_string())?;
        let aws = trigger_core::testing::production_aws_via(proxy.url(), &[]).await.map_err(|e| e.to_string())?;
        let decryptor = crate::EsdkDecryptor::new(aws_sdk_kms::Client::new(aws.sdk_config()), &key)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self { key, proxy, aws, decryptor })
    }

    /// The fixture event `fixture` (in `tests/fixtures/events`) for `pool`, its `request.code`
    /// being `code` encrypted under the rig's key as Cognito does (v1, the pool in the context).
    pub fn event(&self, fixture: &str, pool: &str, code: &str) -> Result<serde_json::Value, String> {
        let path = workspace_file("tests/fixtures/events").join(fixture);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut event: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{fixture}: {e}"))?;
        event["userPoolId"] = serde_json::json!(pool);
        let encrypted = encrypt(&self.key, code, &[(crate::POOL_CONTEXT_KEY, pool)], Format::CognitoV1)?;
        event["request"]["code"] = serde_json::json!(encrypted);
        Ok(event)
    }
}
