//! The e-mailed sign-in code of the custom-authentication triggers (passwordless sign-in), shared
//! by `create-auth-challenge` (issues it) and `verify-auth-challenge-response` (checks it).
//! See `docs/triggers/passwordless.md`.
//!
//! The code itself is kept nowhere: it exists in the e-mail only. A [`Challenge`] holds a random
//! salt, the SHA-256 of salt ‖ code and the code's expiry. It travels to verify in the private
//! challenge parameters, to the next round of the same sign-in in the challenge metadata (which
//! Cognito copies into the session), and in the issue row (below) to a retried create. The hash
//! of a short code is no secret against someone who can read those (a six-digit code falls to a
//! million hashes): it keeps the code out of the clear, nothing more. Answers are compared in
//! constant time.
//!
//! Rows, under a key prefix of their own (`SIGNIN#<pool>#<subject>`, the subject as the lockout
//! record names it: `SUB#<sub>` for a user of the pool, `NAME#<name>` for a name it does not
//! hold), so that create-auth-challenge's IAM reaches these and not the password-lockout records:
//! - `sk = SIGN_IN_CODE`: the last challenge issued to the subject: `salt`, `codeHash`,
//!   `codeExpiresAt`, `issuedAt`, `reuses`, `expiresAt` (TTL, = `codeExpiresAt`). A retried
//!   create finds it and answers with the same challenge instead of e-mailing another code;
//!   verify deletes it once the code was answered right, so a used code is never reused.
//!   Keyed by `sub`, a challenge is reused only for the very user it was mailed to.
//! - `sk = SIGN_IN_CODE_SENDS`: the send counter, a lockout record of its own
//!   ([`crate::lockout::attempt::register`] with the send policy).

use std::collections::HashMap;
use std::fmt;
use std::io;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::lockout::Subject;
use crate::logging::Secret;
use crate::ports::{AttrValue, EXPIRES_AT, Item, Key};
use crate::random;

/// The prefix of the challenge metadata this module writes (`SIGN_IN_CODE#<expiry>#<salt>#<hash>`).
pub const METADATA_PREFIX: &str = "SIGN_IN_CODE";
pub const ISSUE_SORT_KEY: &str = "SIGN_IN_CODE";
pub const SENDS_SORT_KEY: &str = "SIGN_IN_CODE_SENDS";
pub const SALT: &str = "salt";
pub const CODE_HASH: &str = "codeHash";
pub const CODE_EXPIRES_AT: &str = "codeExpiresAt";
pub const ISSUED_AT: &str = "issuedAt";
pub const REUSES: &str = "reuses";

/// The partition of a subject's sign-in code rows.
fn partition(user_pool_id: &str, subject: &Subject) -> String {
    format!("SIGNIN#{user_pool_id}#{}", subject.key_part())
}

/// The row of the last challenge issued to a subject (a user, or a name nobody holds).
pub fn issue_key(user_pool_id: &str, subject: &Subject) -> Key {
    Key::new(partition(user_pool_id, subject), ISSUE_SORT_KEY)
}

/// The send counter of a subject.
pub fn sends_key(user_pool_id: &str, subject: &Subject) -> Key {
    Key::new(partition(user_pool_id, subject), SENDS_SORT_KEY)
}

/// `length` decimal digits, uniformly distributed, from the kernel's generator.
pub fn generate_code(length: usize) -> io::Result<Secret<String>> {
    let mut code = String::with_capacity(length);
    while code.len() < length {
        for byte in random::bytes::<32>()? {
            // 250 = 25 × 10: bytes at or above it would favour the digits 0–5.
            if byte < 250 && code.len() < length {
                code.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Ok(Secret::new(code))
}

/// What checks an answer: salt, hash of salt ‖ code, expiry (epoch seconds).
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    salt: String,
    hash: String,
    pub expires_at: i64,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(salt: &str, answer: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(b"#");
    hash.update(answer.as_bytes());
    hash.finalize().into()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}

fn well_formed(salt: &str, hash: &str) -> bool {
    salt.len() == 32 && hash.len() == 64 && unhex(salt).is_some() && unhex(hash).is_some()
}

impl Challenge {
    /// The challenge of `code`, valid until `expires_at`, with a fresh salt.
    pub fn new(code: &Secret<String>, expires_at: i64) -> io::Result<Self> {
        let salt = random::token()?;
        let hash = hex(&digest(&salt, code.expose()));
        Ok(Self { salt, hash, expires_at })
    }

    fn from_parts(salt: &str, hash: &str, expires_at: i64) -> Option<Self> {
        well_formed(salt, hash).then(|| Self { salt: salt.to_owned(), hash: hash.to_owned(), expires_at })
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// Whether `answer` (surrounding whitespace ignored) is the code, compared in constant time.
    /// Says nothing about expiry: see [`Challenge::check`].
    pub fn matches(&self, answer: &str) -> bool {
        let Some(expected) = unhex(&self.hash) else { return false };
        bool::from(digest(&self.salt, answer.trim()).as_slice().ct_eq(expected.as_slice()))
    }

    /// The verdict on `answer` at `now`.
    pub fn check(&self, answer: &str, now: i64) -> Verdict {
        // Hashed and compared whatever the expiry, so the answer takes the same time either way.
        let matches = self.matches(answer);
        if self.is_expired(now) {
            Verdict::Expired
        } else if matches {
            Verdict::Correct
        } else {
            Verdict::Wrong
        }
    }

    /// `privateChallengeParameters`.
    pub fn private_parameters(&self) -> HashMap<String, Secret<String>> {
        HashMap::from([
            (SALT.to_owned(), Secret::new(self.salt.clone())),
            (CODE_HASH.to_owned(), Secret::new(self.hash.clone())),
            (CODE_EXPIRES_AT.to_owned(), Secret::new(self.expires_at.to_string())),
        ])
    }

    /// Back from `privateChallengeParameters`; `None` unless all three are there and well formed.
    pub fn from_private_parameters(parameters: &HashMap<String, Secret<String>>) -> Option<Self> {
        let get = |name: &str| parameters.get(name).map(|value| value.expose().as_str());
        let expires_at = get(CODE_EXPIRES_AT)?.parse().ok()?;
        Self::from_parts(get(SALT)?, get(CODE_HASH)?, expires_at)
    }

    /// `challengeMetadata`: how the next round of the same sign-in finds this challenge.
    pub fn metadata(&self) -> String {
        format!("{METADATA_PREFIX}#{}#{}#{}", self.expires_at, self.salt, self.hash)
    }

    /// Back from `challengeMetadata`; `None` for metadata this module did not write.
    pub fn from_metadata(metadata: &str) -> Option<Self> {
        let mut parts = metadata.split('#');
        let (Some(METADATA_PREFIX), Some(expires_at), Some(salt), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Self::from_parts(salt, hash, expires_at.parse().ok()?)
    }

    /// The issue row for `key`, issued at `now`.
    pub fn to_item(&self, key: &Key, now: i64) -> Item {
        Item::new(key)
            .with(SALT, AttrValue::s(&self.salt))
            .with(CODE_HASH, AttrValue::s(&self.hash))
            .with(CODE_EXPIRES_AT, AttrValue::n(self.expires_at))
            .with(ISSUED_AT, AttrValue::n(now))
            .with(REUSES, AttrValue::n(0))
            .with(EXPIRES_AT, AttrValue::n(self.expires_at))
    }

    /// Back from an issue row; `None` for a malformed one.
    pub fn from_item(item: &Item) -> Option<Self> {
        Self::from_parts(item.str(SALT)?, item.str(CODE_HASH)?, item.i64(CODE_EXPIRES_AT)?)
    }

    /// The salt: identifies the challenge (the condition of writes to its row). Not a secret by
    /// itself, but no log needs it.
    pub fn salt(&self) -> &str {
        &self.salt
    }
}

/// What an answer is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    Wrong,
    Expired,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn codes_have_the_length_asked_for_and_only_digits() {
        for length in [4, 6, 8, 10] {
            let code = generate_code(length).unwrap();
            assert_eq!(code.expose().len(), length);
            assert!(code.expose().chars().all(|c| c.is_ascii_digit()));
        }
        let many: std::collections::HashSet<_> = (0..50).map(|_| generate_code(8).unwrap().expose().clone()).collect();
        assert!(many.len() > 45, "codes repeat: {}", many.len());
    }

    #[test]
    fn the_right_code_matches_until_it_expires_and_nothing_else_does() {
        let code = Secret::new("123456".to_owned());
        let challenge = Challenge::new(&code, 1_000).unwrap();
        assert_eq!(challenge.check("123456", 999), Verdict::Correct);
        assert_eq!(challenge.check(" 123456\n", 999), Verdict::Correct);
        assert_eq!(challenge.check("123457", 999), Verdict::Wrong);
        assert_eq!(challenge.check("", 999), Verdict::Wrong);
        assert_eq!(challenge.check("1234567", 999), Verdict::Wrong);
        assert_eq!(challenge.check("123456", 1_000), Verdict::Expired);
        assert_ne!(Challenge::new(&code, 1_000).unwrap(), challenge, "a fresh salt every time");
    }

    #[test]
    fn private_parameters_metadata_and_row_carry_the_same_challenge_without_the_code() {
        let code = Secret::new("987654".to_owned());
        let challenge = Challenge::new(&code, 1_700_000_300).unwrap();
        let parameters = challenge.private_parameters();
        assert_eq!(Challenge::from_private_parameters(&parameters), Some(challenge.clone()));
        assert!(parameters.values().all(|v| !v.expose().contains("987654")));
        let metadata = challenge.metadata();
        assert!(metadata.starts_with("SIGN_IN_CODE#1700000300#") && !metadata.contains("987654"), "{metadata}");
        assert_eq!(Challenge::from_metadata(&metadata), Some(challenge.clone()));
        let jane = Subject::User { sub: "sub-1".to_owned() };
        let key = issue_key("us-east-1_P", &jane);
        assert_eq!((key.pk.as_str(), key.sk.as_str()), ("SIGNIN#us-east-1_P#SUB#sub-1", "SIGN_IN_CODE"));
        assert_eq!(sends_key("us-east-1_P", &jane).sk, "SIGN_IN_CODE_SENDS");
        assert!(!sends_key("us-east-1_P", &jane).pk.starts_with("LOCKOUT#"), "out of the lockout records' prefix");
        let item = challenge.to_item(&key, 1_700_000_000);
        assert_eq!(Challenge::from_item(&item), Some(challenge.clone()));
        assert_eq!(item.i64(EXPIRES_AT), Some(1_700_000_300));
        assert!(!format!("{challenge:?}").contains(challenge.salt()));
    }

    #[test]
    fn malformed_parameters_and_foreign_metadata_are_no_challenge() {
        assert_eq!(Challenge::from_metadata("CODE-123456"), None);
        assert_eq!(Challenge::from_metadata("SIGN_IN_CODE#1#zz#yy"), None);
        let good = Challenge::new(&Secret::new("1".to_owned()), 5).unwrap();
        assert_eq!(Challenge::from_metadata(&format!("{}#extra", good.metadata())), None);
        let mut parameters = good.private_parameters();
        parameters.insert(CODE_EXPIRES_AT.to_owned(), Secret::new("soon".to_owned()));
        assert_eq!(Challenge::from_private_parameters(&parameters), None);
        parameters.remove(CODE_EXPIRES_AT);
        assert_eq!(Challenge::from_private_parameters(&parameters), None);
    }
}
