//! `KMS_KEY_ARN`: the one key the senders' keyring decrypts with, read once at cold start.

use trigger_core::{ConfigError, Env};

/// `arn:<partition>:kms:<region>:<account>:key/<id>`: a key ARN, as a KMS keyring needs for
/// decrypting (an alias or a bare key id cannot be matched against a message's data keys).
pub fn is_key_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "kms", region, account, resource]
        if !partition.is_empty() && !region.is_empty()
            && account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("key/").is_some_and(|id| !id.is_empty() && !id.contains(char::is_whitespace)))
}

/// `KMS_KEY_ARN`, required and a key ARN.
pub fn key_arn_from_env(env: &Env) -> Result<String, ConfigError> {
    let arn = env.required("KMS_KEY_ARN")?;
    if !is_key_arn(arn) {
        return Err(ConfigError::invalid(
            "KMS_KEY_ARN",
            arn,
            "expected a key ARN such as arn:aws:kms:eu-west-1:111122223333:key/<key id> (not an alias)",
        ));
    }
    Ok(arn.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_arns_pass() {
        assert!(is_key_arn("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_key_arn("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234"));
        for bad in [
            "alias/cognito",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:111122223333:alias/cognito",
            "arn:aws:kms:us-east-1:1111:key/abc",
            "arn:aws:kms::111122223333:key/abc",
            "arn:aws:kms:us-east-1:111122223333:key/",
        ] {
            assert!(!is_key_arn(bad), "{bad}");
        }
        let err = key_arn_from_env(&Env::from_pairs([("KMS_KEY_ARN", "alias/x")])).unwrap_err();
        assert_eq!(err.variable(), "KMS_KEY_ARN");
        assert_eq!(key_arn_from_env(&Env::default()).unwrap_err().variable(), "KMS_KEY_ARN");
    }
}
