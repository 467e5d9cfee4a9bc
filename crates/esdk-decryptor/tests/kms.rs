//! The decryptor against moto's KMS, with codes encrypted by the official Python Encryption SDK
//! in Cognito's v1 format (suite 0x0378) and cognito-local's v2: decrypted when they are ours,
//! refused when tampered, under another key or for another pool, transient when KMS is away.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use esdk_decryptor::testing::{Format, create_key, encrypt};
use esdk_decryptor::{EsdkDecryptor, POOL_CONTEXT_KEY, PoolContext};
use trigger_core::logging::Secret;
use trigger_core::ports::{CodeDecryptor, DecryptError, PortErrorKind};
use trigger_core::testing::local_aws;

const POOL: &str = "us-east-1_Pool1";

async fn kms() -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(local_aws().await.unwrap().sdk_config())
}

async fn decrypt(decryptor: &EsdkDecryptor, message: &str, pool: &str) -> Result<String, DecryptError> {
    decryptor.decrypt(&Secret::new(message.to_owned()), pool).await.map(|code| code.expose().clone())
}

fn refused(result: Result<String, DecryptError>) -> String {
    match result {
        Err(DecryptError::Refused(detail)) => detail,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn decrypts_cognitos_v1_and_cognito_locals_v2_messages_under_its_key() {
    let kms = kms().await;
    let key = create_key(&kms).await.unwrap();
    let decryptor = EsdkDecryptor::new(kms, &key).await.unwrap();

    let v1 = encrypt(&key, "123456", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let bytes = STANDARD.decode(&v1).unwrap();
    assert_eq!((bytes[0], &bytes[1..4]), (1, &[0x80, 0x03, 0x78][..]), "v1, type 0x80, suite 0x0378");
    assert_eq!(decrypt(&decryptor, &v1, POOL).await.unwrap(), "123456");

    let v2 = encrypt(&key, "Temp&amp;Pass1", &[(POOL_CONTEXT_KEY, POOL)], Format::CommittingV2).unwrap();
    assert_eq!(&STANDARD.decode(&v2).unwrap()[..3], &[2, 0x05, 0x78], "v2, suite 0x0578");
    assert_eq!(
        decrypt(&decryptor, &v2, POOL).await.unwrap(),
        "Temp&amp;Pass1",
        "decrypted as sent; unescaping is the sender's"
    );
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_message_without_the_pool_in_its_context_is_refused_unless_the_stand_in_setting_allows_it() {
    // On 5a923f4 a message without `userpool-id` was decrypted for any pool: a code encrypted under
    // the same key by another producer (or for another purpose) passed as this pool's.
    let kms = kms().await;
    let key = create_key(&kms).await.unwrap();
    let no_context = encrypt(&key, "123456", &[], Format::CommittingV2).unwrap();
    let strict = EsdkDecryptor::new(kms.clone(), &key).await.unwrap();
    assert_eq!(refused(decrypt(&strict, &no_context, POOL).await), "no user pool in the encryption context");
    let lenient = EsdkDecryptor::new(kms, &key).await.unwrap().with_pool_context(PoolContext::CheckedIfPresent);
    assert_eq!(decrypt(&lenient, &no_context, POOL).await.unwrap(), "123456", "cognito-local's messages");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn refuses_another_key_another_pool_and_every_tampered_message() {
    let kms = kms().await;
    let ours = create_key(&kms).await.unwrap();
    let theirs = create_key(&kms).await.unwrap();
    let decryptor = EsdkDecryptor::new(kms, &ours).await.unwrap();

    let under_other_key = encrypt(&theirs, "123456", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    refused(decrypt(&decryptor, &under_other_key, POOL).await);

    let other_pool = encrypt(&ours, "123456", &[(POOL_CONTEXT_KEY, "us-east-1_Other")], Format::CognitoV1).unwrap();
    assert_eq!(refused(decrypt(&decryptor, &other_pool, POOL).await), "encrypted for another user pool");

    let message =
        STANDARD.decode(encrypt(&ours, "123456", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap()).unwrap();
    // The encryption context, changed in the header (same length: "Pool1" → "Pool2"): the header's
    // authentication tag and KMS's binding of the context to the data key both fail.
    let at = message.windows(POOL.len()).position(|w| w == POOL.as_bytes()).unwrap() + POOL.len() - 1;
    let mut changed_context = message.clone();
    changed_context[at] = b'2';
    refused(decrypt(&decryptor, &STANDARD.encode(&changed_context), "us-east-1_Pool2").await);
    // One byte of the body (just before the signature footer), and of the signature itself.
    for at in [message.len() - 120, message.len() - 5] {
        let mut tampered = message.clone();
        tampered[at] ^= 0x01;
        refused(decrypt(&decryptor, &STANDARD.encode(&tampered), POOL).await);
    }
    // Cut short.
    refused(decrypt(&decryptor, &STANDARD.encode(&message[..message.len() / 2]), POOL).await);
    assert!(matches!(decrypt(&decryptor, "%%%", POOL).await, Err(DecryptError::Malformed(_))));
    // The original still decrypts: nothing above was refused for a reason of the decryptor's own.
    assert_eq!(decrypt(&decryptor, &STANDARD.encode(&message), POOL).await.unwrap(), "123456");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn kms_out_of_reach_is_a_transient_failure_not_a_refusal() {
    let kms = kms().await;
    let key = create_key(&kms).await.unwrap();
    let message = encrypt(&key, "123456", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let away = kms.config().to_builder().endpoint_url("http://127.0.0.1:9").build();
    let decryptor = EsdkDecryptor::new(aws_sdk_kms::Client::from_conf(away), &key).await.unwrap();
    match decrypt(&decryptor, &message, POOL).await {
        Err(DecryptError::Port(err)) => {
            assert!(err.is_transient(), "{err}");
            assert_ne!(err.kind, PortErrorKind::Rejected);
        }
        other => panic!("expected a transient failure, got {other:?}"),
    }
}
