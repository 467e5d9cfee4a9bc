//! Django's `PBKDF2PasswordHasher`: `pbkdf2_sha256$<iterations>$<salt>$<hash>`, where the salt is
//! used as the text it is (not decoded) and the hash is standard Base64 of the 32-byte
//! PBKDF2-HMAC-SHA256 output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::bounds::PBKDF2_MAX_ITERATIONS;
use crate::{Format, HashError, constant_time_eq};

/// The parts of a Django hash.
pub(crate) struct DjangoHash<'a> {
    pub iterations: u32,
    pub salt: &'a str,
    pub hash: Vec<u8>,
}

pub(crate) fn parse(stored: &str) -> Result<DjangoHash<'_>, HashError> {
    let malformed = |reason| HashError::malformed(Format::DjangoPbkdf2Sha256, reason);
    let mut parts = stored.split('$');
    let (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected pbkdf2_sha256$<iterations>$<salt>$<hash>"));
    };
    let iterations = pbkdf2_iterations(Format::DjangoPbkdf2Sha256, iterations)?;
    if salt.is_empty() {
        return Err(malformed("the salt is empty"));
    }
    let hash = STANDARD.decode(hash).map_err(|_| malformed("the hash is not Base64"))?;
    if hash.len() != 32 {
        return Err(malformed("the hash is not 32 bytes"));
    }
    Ok(DjangoHash { iterations, salt, hash })
}

/// An iteration count: digits, at least 1, at most the bound.
pub(crate) fn pbkdf2_iterations(format: Format, text: &str) -> Result<u32, HashError> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HashError::malformed(format, "the iteration count is not a number"));
    }
    let value: u64 = text.parse().map_err(|_| HashError::malformed(format, "the iteration count is not a number"))?;
    if value == 0 {
        return Err(HashError::malformed(format, "the iteration count is 0"));
    }
    if value > u64::from(PBKDF2_MAX_ITERATIONS) {
        return Err(HashError::OutOfBounds {
            format,
            parameter: "iterations",
            value,
            max: u64::from(PBKDF2_MAX_ITERATIONS),
        });
    }
    u32::try_from(value).map_err(|_| HashError::malformed(format, "the iteration count is not a number"))
}

pub(crate) fn verify(password: &str, stored: &str) -> Result<bool, HashError> {
    let parsed = parse(stored)?;
    let mut computed = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2_010::Sha256>(
        password.as_bytes(),
        parsed.salt.as_bytes(),
        parsed.iterations,
        &mut computed,
    );
    Ok(constant_time_eq(&computed, &parsed.hash))
}
