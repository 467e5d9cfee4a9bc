//! Dummy hashes that cost what a real row costs.
//!
//! A sign-in for a name the legacy store does not hold must take as long as a wrong password for
//! one it does, or the time of the answer says which names exist. The time of a verification is
//! set by the format and its cost parameters, so the dummy must have the rows' format and
//! parameters: [`dummy_like`] builds one from a real row's hash without computing anything (it
//! keeps the format and parameters, and draws a new salt and a new digest of the same lengths
//! from the seed), so that no password is known for it and a caller can build it in the middle of
//! a request. [`Profile`] is what two hashes must share to cost the same.

use base64::Engine;
use base64::alphabet::BCRYPT;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD, STANDARD, STANDARD_NO_PAD};
use sha2_010::{Digest, Sha256};

use crate::{Format, HashError, check};

/// bcrypt's own Base64 (`./A-Za-z0-9`), unpadded.
const BCRYPT_BASE64: GeneralPurpose = GeneralPurpose::new(&BCRYPT, NO_PAD);
/// bcrypt: 16 bytes of salt (22 characters), 23 of digest (31).
const BCRYPT_SALT_LEN: usize = 16;
const BCRYPT_DIGEST_LEN: usize = 23;
const BCRYPT_SALT_CHARS: usize = 22;

/// What decides the cost of verifying a hash: its format and parameters, without salt or digest
/// (`$2b$12`, `$argon2id$v=19$m=65536,t=3,p=4`, `pbkdf2_sha256$1200000`). Two hashes with the
/// same profile take the same time to verify, whatever the password.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Profile(String);

impl Profile {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The parts of a `$`-separated hash: everything before the salt, the salt, the digest.
struct Split<'a> {
    format: Format,
    head: &'a str,
    salt: &'a str,
    digest: &'a str,
}

fn split(stored: &str) -> Result<Split<'_>, HashError> {
    let stored = stored.trim();
    let format = check(stored)?;
    let malformed = || HashError::malformed(format, "no salt and digest to replace");
    if format == Format::Bcrypt {
        // `$2b$12$` + 22 characters of salt + 31 of digest (checked by `check`).
        let body_at = stored.rfind('$').ok_or_else(malformed)?;
        let (head, body) = (&stored[..body_at], &stored[body_at + 1..]);
        let (salt, digest) = body.split_at_checked(BCRYPT_SALT_CHARS).ok_or_else(malformed)?;
        return Ok(Split { format, head, salt, digest });
    }
    let digest_at = stored.rfind('$').ok_or_else(malformed)?;
    let salt_at = stored[..digest_at].rfind('$').ok_or_else(malformed)?;
    Ok(Split {
        format,
        head: &stored[..salt_at],
        salt: &stored[salt_at + 1..digest_at],
        digest: &stored[digest_at + 1..],
    })
}

/// The profile of a hash this crate would verify (known format, well formed, within bounds).
pub fn profile(stored: &str) -> Result<Profile, HashError> {
    split(stored).map(|parts| Profile(parts.head.to_owned()))
}

/// Bytes drawn from a seed: SHA-256 of (seed, counter), as many blocks as asked for.
struct Stream {
    seed: [u8; 32],
    counter: u64,
}

impl Stream {
    fn take(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let block = Sha256::new().chain_update(self.seed).chain_update(self.counter.to_be_bytes()).finalize();
            self.counter += 1;
            out.extend_from_slice(&block[..block.len().min(len - out.len())]);
        }
        out
    }
}

/// The byte length whose unpadded Base64 has `chars` characters (a well-formed salt's length).
fn unpadded_len(chars: usize) -> usize {
    chars * 3 / 4
}

/// A hash in `stored`'s format with `stored`'s parameters, a salt and a digest drawn from `seed`
/// (give it fresh random bytes): verifying any password against it costs what verifying against
/// `stored` costs, and matches none anyone knows. Nothing is hashed to build it. `stored` must be
/// a hash this crate would verify; so is the result (same bounds).
pub fn dummy_like(stored: &str, seed: [u8; 32]) -> Result<String, HashError> {
    let parts = split(stored)?;
    let mut random = Stream { seed, counter: 0 };
    let (salt, digest) = match parts.format {
        Format::Bcrypt => {
            (BCRYPT_BASE64.encode(random.take(BCRYPT_SALT_LEN)), BCRYPT_BASE64.encode(random.take(BCRYPT_DIGEST_LEN)))
        }
        Format::DjangoPbkdf2Sha256 => {
            // Django uses the salt as the text it is: letters and digits, as Django draws them.
            const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            let salt = random.take(parts.salt.len());
            let salt = salt.iter().map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()])).collect();
            (salt, STANDARD.encode(random.take(32)))
        }
        Format::Pbkdf2Sha256Phc | Format::Argon2id | Format::Argon2i | Format::Scrypt => {
            let digest_len = unpadded_len(parts.digest.len());
            let salt = STANDARD_NO_PAD.encode(random.take(unpadded_len(parts.salt.len())));
            let digest = STANDARD_NO_PAD.encode(random.take(digest_len));
            if parts.format == Format::Pbkdf2Sha256Phc && !parts.head.contains('=') {
                // passlib's form: `.` for `+`.
                (salt.replace('+', "."), digest.replace('+', "."))
            } else {
                (salt, digest)
            }
        }
    };
    let dummy = if parts.format == Format::Bcrypt {
        format!("{}${salt}{digest}", parts.head)
    } else {
        format!("{}${salt}${digest}", parts.head)
    };
    // Built from parts that passed the checks, so it passes them too; checked all the same.
    if profile(&dummy)? != Profile(parts.head.to_owned()) {
        return Err(HashError::malformed(parts.format, "the dummy lost the parameters"));
    }
    Ok(dummy)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::verify;

    #[test]
    fn profiles_keep_the_parameters_and_drop_salt_and_digest() {
        let bcrypt = "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK";
        assert_eq!(profile(bcrypt).unwrap().as_str(), "$2b$04");
        assert_eq!(profile("md5:abc"), Err(HashError::Unrecognised));
        let past = "$2b$14$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(matches!(profile(past), Err(HashError::OutOfBounds { .. })), "bounded like a verification");
        assert!(matches!(dummy_like(past, [0; 32]), Err(HashError::OutOfBounds { .. })));
    }

    #[test]
    fn a_bcrypt_dummy_has_the_rows_cost_and_matches_neither_the_rows_password_nor_another_seeds() {
        let row = "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK";
        let dummy = dummy_like(row, [7; 32]).unwrap();
        assert_eq!(profile(&dummy), profile(row));
        assert_ne!(dummy, row);
        assert_eq!(verify("Legacy-Passw0rd!", row), Ok(true));
        assert_eq!(verify("Legacy-Passw0rd!", &dummy), Ok(false), "verified, and no match");
        assert_ne!(dummy_like(row, [8; 32]).unwrap(), dummy, "the seed draws salt and digest");
        assert_eq!(dummy_like(row, [7; 32]).unwrap(), dummy);
    }
}
