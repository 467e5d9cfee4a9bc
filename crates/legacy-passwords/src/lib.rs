//! Verifies the password hashes that legacy user stores hold, so users can be moved into Cognito
//! at their first sign-in without a reset (the `user-migration` trigger).
//!
//! Formats ([`Format`]): bcrypt (`$2a$`, `$2b$`, `$2y$`), Argon2id / Argon2i PHC strings,
//! PBKDF2-SHA256 as a PHC string (`$pbkdf2-sha256$i=…,l=…$salt$hash`, also passlib's
//! `$pbkdf2-sha256$rounds$salt$hash`) and in Django's form (`pbkdf2_sha256$iterations$salt$hash`),
//! and scrypt PHC strings (`$scrypt$ln=…,r=…,p=…$salt$hash`).
//!
//! Three rules hold for every format:
//! - the computed hash is compared with the stored one in constant time;
//! - the parameters a row carries are checked against [`bounds`] *before* any work is done, so
//!   one row cannot make the function allocate or compute past what its 5-second budget and its
//!   memory allow ([`HashError::OutOfBounds`]);
//! - no input makes it panic: a malformed or truncated string is a [`HashError`], never a crash.
//!
//! Errors never carry the stored hash or the password, so a caller can log them as they are.
//!
//! [`dummy_like`] builds, from a real row's hash, a hash with the same format and cost that no
//! known password matches: what a caller verifies an unknown name's password against, so that
//! the answer takes as long as a wrong password for a name that exists.

mod bcrypt_format;
pub mod bounds;
mod django;
mod dummy;
mod phc;

use std::fmt;

pub use dummy::{Profile, dummy_like, profile};

/// The hash formats this crate recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `$2a$`, `$2b$`, `$2y$` (Devise, PHP `password_hash`, Spring, Auth0 exports).
    Bcrypt,
    /// `$argon2id$…` PHC string.
    Argon2id,
    /// `$argon2i$…` PHC string.
    Argon2i,
    /// `$pbkdf2-sha256$…` PHC string (RustCrypto / Auth0's form with `i=` and `l=`, or passlib's
    /// with bare rounds and its `.`-for-`+` Base64).
    Pbkdf2Sha256Phc,
    /// Django's `pbkdf2_sha256$iterations$salt$hash`.
    DjangoPbkdf2Sha256,
    /// `$scrypt$ln=…,r=…,p=…$salt$hash` PHC string.
    Scrypt,
}

impl Format {
    /// A stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Argon2id => "argon2id",
            Self::Argon2i => "argon2i",
            Self::Pbkdf2Sha256Phc => "pbkdf2-sha256",
            Self::DjangoPbkdf2Sha256 => "django-pbkdf2-sha256",
            Self::Scrypt => "scrypt",
        }
    }

    /// The format a stored string claims by its prefix (nothing is validated yet).
    pub fn detect(stored: &str) -> Option<Self> {
        let stored = stored.trim();
        if ["$2a$", "$2b$", "$2y$"].iter().any(|p| stored.starts_with(p)) {
            Some(Self::Bcrypt)
        } else if stored.starts_with("$argon2id$") {
            Some(Self::Argon2id)
        } else if stored.starts_with("$argon2i$") {
            Some(Self::Argon2i)
        } else if stored.starts_with("$pbkdf2-sha256$") {
            Some(Self::Pbkdf2Sha256Phc)
        } else if stored.starts_with("pbkdf2_sha256$") {
            Some(Self::DjangoPbkdf2Sha256)
        } else if stored.starts_with("$scrypt$") {
            Some(Self::Scrypt)
        } else {
            None
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a stored hash was not checked. Carries neither the hash nor the password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// No format this crate knows (for instance MD5, SHA-1, plain text, or an empty value).
    #[error("unrecognised password hash format")]
    Unrecognised,
    /// The prefix names a format, but the string does not follow it.
    #[error("malformed {format} hash: {reason}")]
    Malformed { format: Format, reason: &'static str },
    /// A parameter is past the bound this crate accepts (see [`bounds`]): the hash was not
    /// computed.
    #[error("{format} hash refused: {parameter} = {value} exceeds the bound of {max}")]
    OutOfBounds { format: Format, parameter: &'static str, value: u64, max: u64 },
}

impl HashError {
    pub(crate) fn malformed(format: Format, reason: &'static str) -> Self {
        Self::Malformed { format, reason }
    }

    /// The format involved, when the prefix named one.
    pub fn format(&self) -> Option<Format> {
        match self {
            Self::Unrecognised => None,
            Self::Malformed { format, .. } | Self::OutOfBounds { format, .. } => Some(*format),
        }
    }
}

/// Checks that `stored` is a hash this crate would verify: a known format, well formed, within
/// bounds. Does none of the expensive work (use it to validate a configured hash at cold start).
pub fn check(stored: &str) -> Result<Format, HashError> {
    let stored = stored.trim();
    let format = Format::detect(stored).ok_or(HashError::Unrecognised)?;
    match format {
        Format::Bcrypt => bcrypt_format::parse(stored).map(|_| format),
        Format::Argon2id | Format::Argon2i => phc::check_argon2(stored, format),
        Format::Pbkdf2Sha256Phc => phc::check_pbkdf2(stored),
        Format::DjangoPbkdf2Sha256 => django::parse(stored).map(|_| format),
        Format::Scrypt => phc::check_scrypt(stored),
    }
}

/// Whether `password` matches `stored`. `Ok(false)` is a wrong password; `Err` means the hash
/// could not be checked at all (the caller decides, and logs the error, which is safe to log).
///
/// This is CPU-bound work of up to about a second (see [`bounds`]): call it from a blocking
/// thread (`tokio::task::spawn_blocking`), not on an async worker.
pub fn verify(password: &str, stored: &str) -> Result<bool, HashError> {
    let stored = stored.trim();
    let format = check(stored)?;
    match format {
        Format::Bcrypt => bcrypt_format::verify(password, stored),
        Format::Argon2id | Format::Argon2i => phc::verify_argon2(password, stored, format),
        Format::Pbkdf2Sha256Phc => phc::verify_pbkdf2(password, stored),
        Format::DjangoPbkdf2Sha256 => django::verify(password, stored),
        Format::Scrypt => phc::verify_scrypt(password, stored),
    }
}

/// Constant-time equality of two byte strings (their lengths are not secret).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_their_prefix() {
        assert_eq!(Format::detect("$2y$10$abc"), Some(Format::Bcrypt));
        assert_eq!(Format::detect("$2a$10$abc"), Some(Format::Bcrypt));
        assert_eq!(Format::detect("$2b$10$abc"), Some(Format::Bcrypt));
        assert_eq!(Format::detect("$2x$10$abc"), None, "crypt_blowfish's buggy variant is not accepted");
        assert_eq!(Format::detect("$argon2id$v=19$"), Some(Format::Argon2id));
        assert_eq!(Format::detect("$argon2i$v=19$"), Some(Format::Argon2i));
        assert_eq!(Format::detect("$argon2d$v=19$"), None);
        assert_eq!(Format::detect("$pbkdf2-sha256$i=1"), Some(Format::Pbkdf2Sha256Phc));
        assert_eq!(Format::detect("pbkdf2_sha256$1$s$h"), Some(Format::DjangoPbkdf2Sha256));
        assert_eq!(Format::detect("$scrypt$ln=1"), Some(Format::Scrypt));
        assert_eq!(Format::detect("5f4dcc3b5aa765d61d8327deb882cf99"), None);
        assert_eq!(check(""), Err(HashError::Unrecognised));
    }
}
