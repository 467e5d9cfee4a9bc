//! Encryption SDK errors → [`DecryptError`]: transient (KMS unreachable, throttled, failing: a
//! retry may succeed) or refused (a message no retry can open). The SDK nests errors (the ESDK's,
//! the material providers', KMS's, lists of them per data key); the whole tree is searched, and
//! one transient cause anywhere makes the failure transient, so that a KMS outage is never
//! mistaken for a bad message.

use aws_esdk::com_amazonaws_kms::types::error::Error as KmsError;
use aws_esdk::material_providers::types::error::Error as MplError;
use aws_esdk::types::error::Error as EsdkError;
use trigger_core::ports::{DecryptError, PortError, PortErrorKind};

/// The failure in the terms of the port. The detail is the SDK's text, which names the failing
/// step (never the plaintext: the SDK never had one).
pub fn classify(err: &EsdkError) -> DecryptError {
    let detail = short(&err.to_string());
    match esdk_transient(err) {
        Some(kind) => DecryptError::Port(PortError::new("kms", "Decrypt", kind, detail)),
        None => DecryptError::Refused(detail),
    }
}

/// SDK error texts are whole debug dumps; a log line needs the start.
fn short(text: &str) -> String {
    const MAX: usize = 400;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn esdk_transient(err: &EsdkError) -> Option<PortErrorKind> {
    match err {
        EsdkError::AwsCryptographicMaterialProvidersError { error } => mpl_transient(error),
        EsdkError::CollectionOfErrors { list, .. } => list.iter().find_map(esdk_transient),
        // An opaque error is one the SDK did not model: a failed call (connection, timeout)
        // comes back this way. Treated as transient: a retry costs little, a lost code much.
        EsdkError::Opaque { .. } | EsdkError::OpaqueWithText { .. } => Some(PortErrorKind::Unavailable),
        _ => None,
    }
}

fn mpl_transient(err: &MplError) -> Option<PortErrorKind> {
    match err {
        MplError::TrentServiceError { error } => kms_transient(error),
        MplError::CollectionOfErrors { list, .. } => list.iter().find_map(mpl_transient),
        MplError::Opaque { .. } | MplError::OpaqueWithText { .. } => Some(PortErrorKind::Unavailable),
        _ => None,
    }
}

fn kms_transient(err: &KmsError) -> Option<PortErrorKind> {
    match err {
        KmsError::LimitExceededException { .. } => Some(PortErrorKind::Throttled),
        KmsError::DependencyTimeoutException { .. } => Some(PortErrorKind::Timeout),
        KmsError::KmsInternalException { .. } | KmsError::KeyUnavailableException { .. } => {
            Some(PortErrorKind::Unavailable)
        }
        KmsError::Opaque { .. } | KmsError::OpaqueWithText { .. } => Some(PortErrorKind::Unavailable),
        // InvalidCiphertext, IncorrectKey, NotFound, Disabled, KmsInvalidState, AccessDenied (as
        // opaque text from the service, see the integration tests): the message or the key
        // setup is wrong, and stays wrong.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kms_outage_anywhere_in_the_tree_is_transient_and_the_rest_refused() {
        let refused = EsdkError::AwsEncryptionSdkException { message: "Unable to decrypt data key".to_owned() };
        assert!(matches!(classify(&refused), DecryptError::Refused(_)));
        let nested = EsdkError::CollectionOfErrors {
            list: vec![
                refused.clone(),
                EsdkError::AwsCryptographicMaterialProvidersError {
                    error: MplError::CollectionOfErrors {
                        list: vec![MplError::TrentServiceError {
                            error: KmsError::KmsInternalException {
                                error: aws_sdk_kms::types::error::KmsInternalException::builder().build(),
                            },
                        }],
                        message: String::new(),
                    },
                },
            ],
            message: String::new(),
        };
        match classify(&nested) {
            DecryptError::Port(err) => assert_eq!(err.kind, PortErrorKind::Unavailable),
            other => panic!("expected transient, got {other:?}"),
        }
        let long = EsdkError::AwsEncryptionSdkException { message: "x".repeat(2_000) };
        match classify(&long) {
            DecryptError::Refused(detail) => assert!(detail.chars().count() <= 401),
            other => panic!("{other:?}"),
        }
    }
}
