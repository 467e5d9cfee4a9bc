//! bcrypt: `$2b$<cost>$<22 characters of salt><31 of hash>` in bcrypt's own Base64 alphabet.
//! `$2a$` and `$2y$` (PHP) are the same algorithm for every password this format can hold today;
//! `$2x$` (crypt_blowfish's bug-compatible variant) is not accepted.

use crate::bounds::BCRYPT_MAX_COST;
use crate::{Format, HashError};

/// The cost bcrypt itself accepts at least.
const MIN_COST: u32 = 4;
/// Salt and hash, Base64, after the cost.
const BODY_LEN: usize = 53;

fn is_bcrypt_base64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'/'
}

/// Checks the structure and the cost bound; returns the cost.
pub(crate) fn parse(stored: &str) -> Result<u32, HashError> {
    let malformed = |reason| HashError::malformed(Format::Bcrypt, reason);
    let mut parts = stored.split('$');
    let (Some(""), Some(_version), Some(cost), Some(body), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected $2b$<cost>$<salt and hash>"));
    };
    if cost.len() != 2 || !cost.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("the cost is not two digits"));
    }
    let cost: u32 = cost.parse().map_err(|_| malformed("the cost is not a number"))?;
    if cost < MIN_COST {
        return Err(malformed("the cost is below 4"));
    }
    if cost > BCRYPT_MAX_COST {
        return Err(HashError::OutOfBounds {
            format: Format::Bcrypt,
            parameter: "cost",
            value: u64::from(cost),
            max: u64::from(BCRYPT_MAX_COST),
        });
    }
    if body.len() != BODY_LEN || !body.bytes().all(is_bcrypt_base64) {
        return Err(malformed("salt and hash are not 53 characters of bcrypt Base64"));
    }
    Ok(cost)
}

/// bcrypt reads at most 72 bytes of the password, as every implementation that wrote these
/// hashes did: longer passwords are truncated the same way here, or they would never match.
/// The comparison inside `bcrypt::verify` is constant-time (`subtle`).
pub(crate) fn verify(password: &str, stored: &str) -> Result<bool, HashError> {
    parse(stored)?;
    bcrypt::verify(password.as_bytes(), stored)
        .map_err(|_| HashError::malformed(Format::Bcrypt, "salt or hash does not decode"))
}
