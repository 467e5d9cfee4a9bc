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
