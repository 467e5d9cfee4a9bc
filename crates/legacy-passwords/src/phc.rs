//! PHC strings (`$<id>$<params>$<salt>$<hash>`, https://github.com/P-H-C/phc-string-format):
//! Argon2id / Argon2i, PBKDF2-SHA256 and scrypt, verified by the RustCrypto crates, whose
//! `verify_password` compares the outputs in constant time. Parameters are read and bounded here
//! first: the crates would allocate and compute whatever the string asks for.

use argon2::Argon2;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use password_hash::{PasswordHash, PasswordVerifier};
use pbkdf2::Pbkdf2;
use scrypt::Scrypt;

use crate::bounds::{
    ARGON2_MAX_ITERATIONS, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PARALLELISM, ARGON2_MAX_WORK_KIB, PBKDF2_MAX_OUTPUT_LEN,
    SCRYPT_MAX_LOG_N, SCRYPT_MAX_MEMORY_BYTES, SCRYPT_MAX_P, SCRYPT_MAX_R, SCRYPT_MAX_WORK_BYTES,
};
use crate::django::pbkdf2_iterations;
use crate::{Format, HashError, constant_time_eq};

fn out_of_bounds(format: Format, parameter: &'static str, value: u64, max: u64) -> Result<(), HashError> {
    if value > max { Err(HashError::OutOfBounds { format, parameter, value, max }) } else { Ok(()) }
}

/// PBKDF2 and scrypt outputs are prefixes of longer outputs, so a damaged (cut) hash would still
/// match, with a weaker comparison: fewer than 32 bytes are refused.
const MIN_OUTPUT_LEN: usize = 32;

fn minimum_output(format: Format, length: usize) -> Result<(), HashError> {
    if length < MIN_OUTPUT_LEN {
        Err(HashError::malformed(format, "the hash is shorter than 32 bytes"))
    } else {
        Ok(())
    }
}

/// A PHC string of `algorithm` with a salt and a hash.
fn parse<'a>(stored: &'a str, format: Format, algorithm: &str) -> Result<PasswordHash<'a>, HashError> {
    let hash = PasswordHash::new(stored).map_err(|_| HashError::malformed(format, "not a valid PHC string"))?;
    if hash.algorithm.as_str() != algorithm {
        return Err(HashError::malformed(format, "unexpected algorithm identifier"));
    }
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(HashError::malformed(format, "salt or hash missing"));
    }
    Ok(hash)
}

fn decimal(hash: &PasswordHash<'_>, format: Format, name: &'static str) -> Result<u64, HashError> {
    let value = hash.params.get(name).ok_or_else(|| HashError::malformed(format, "a required parameter is missing"))?;
    value.decimal().map(u64::from).map_err(|_| HashError::malformed(format, "a parameter is not a number"))
}

/// The outcome of a RustCrypto verification: a mismatch is `Ok(false)`; anything else the
/// algorithm refused (parameters it cannot use, an output of the wrong size) is malformed.
fn verified(result: password_hash::Result<()>, format: Format) -> Result<bool, HashError> {
    match result {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(_) => Err(HashError::malformed(format, "parameters or output the algorithm refuses")),
    }
}

// ---------------------------------------------------------------- Argon2

fn argon2_ident(format: Format) -> &'static str {
    if format == Format::Argon2i { "argon2i" } else { "argon2id" }
}

pub(crate) fn check_argon2(stored: &str, format: Format) -> Result<Format, HashError> {
    let hash = parse(stored, format, argon2_ident(format))?;
    // Version 0x10 (16) and 0x13 (19) exist; a missing one means 0x10.
    if !matches!(hash.version, None | Some(16) | Some(19)) {
        return Err(HashError::malformed(format, "unknown Argon2 version"));
    }
    let memory = decimal(&hash, format, "m")?;
    let iterations = decimal(&hash, format, "t")?;
    let parallelism = decimal(&hash, format, "p")?;
    if memory == 0 || iterations == 0 || parallelism == 0 {
        return Err(HashError::malformed(format, "m, t and p must be at least 1"));
    }
    if memory < 8 * parallelism {
        return Err(HashError::malformed(format, "m must be at least 8 × p"));
    }
    out_of_bounds(format, "m (KiB)", memory, u64::from(ARGON2_MAX_MEMORY_KIB))?;
    out_of_bounds(format, "t", iterations, u64::from(ARGON2_MAX_ITERATIONS))?;
    out_of_bounds(format, "p", parallelism, u64::from(ARGON2_MAX_PARALLELISM))?;
    out_of_bounds(format, "m × t (KiB)", memory.saturating_mul(iterations), ARGON2_MAX_WORK_KIB)?;
    Ok(format)
}

pub(crate) fn verify_argon2(password: &str, stored: &str, format: Format) -> Result<bool, HashError> {
    check_argon2(stored, format)?;
    let hash = parse(stored, format, argon2_ident(format))?;
    // The algorithm, version and parameters come from the string, not from `default()`.
    verified(Argon2::default().verify_password(password.as_bytes(), &hash), format)
}

// ---------------------------------------------------------------- PBKDF2

const PBKDF2: Format = Format::Pbkdf2Sha256Phc;

/// passlib writes `$pbkdf2-sha256$<rounds>$<salt>$<hash>`: bare rounds instead of `i=…`, and
/// Base64 with `.` for `+`, unpadded.
fn is_passlib(stored: &str) -> bool {
    stored.split('$').nth(2).is_some_and(|rounds| !rounds.is_empty() && rounds.bytes().all(|b| b.is_ascii_digit()))
}

struct Passlib {
    rounds: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse_passlib(stored: &str) -> Result<Passlib, HashError> {
    let malformed = |reason| HashError::malformed(PBKDF2, reason);
    let mut parts = stored.split('$');
    let (Some(""), Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected $pbkdf2-sha256$<rounds>$<salt>$<hash>"));
    };
    let rounds = pbkdf2_iterations(PBKDF2, rounds)?;
    let ab64 = |text: &str| STANDARD_NO_PAD.decode(text.replace('.', "+"));
    let salt = ab64(salt).map_err(|_| malformed("the salt is not Base64"))?;
    let hash = ab64(hash).map_err(|_| malformed("the hash is not Base64"))?;
    if salt.is_empty() {
        return Err(malformed("the salt is empty"));
    }
    // passlib always writes the 32-byte digest; anything else is a damaged row, and a shorter one
    // would be a weaker comparison.
    if hash.len() != 32 {
        return Err(malformed("the hash is not 32 bytes"));
    }
    Ok(Passlib { rounds, salt, hash })
}

pub(crate) fn check_pbkdf2(stored: &str) -> Result<Format, HashError> {
    if is_passlib(stored) {
        return parse_passlib(stored).map(|_| PBKDF2);
    }
    let hash = parse(stored, PBKDF2, "pbkdf2-sha256")?;
    let rounds = hash.params.get("i").ok_or_else(|| HashError::malformed(PBKDF2, "the i parameter is missing"))?;
    pbkdf2_iterations(PBKDF2, rounds.as_str())?;
    let length = hash.hash.map(|h| h.len()).unwrap_or(0);
    out_of_bounds(PBKDF2, "output length", length as u64, PBKDF2_MAX_OUTPUT_LEN as u64)?;
    minimum_output(PBKDF2, length)?;
    if let Some(declared) = hash.params.get("l")
        && declared.decimal().ok().map(|l| l as usize) != Some(length)
    {
        return Err(HashError::malformed(PBKDF2, "the hash is not as long as l says"));
    }
    Ok(PBKDF2)
}

pub(crate) fn verify_pbkdf2(password: &str, stored: &str) -> Result<bool, HashError> {
    check_pbkdf2(stored)?;
    if is_passlib(stored) {
        let parsed = parse_passlib(stored)?;
        let mut computed = vec![0u8; parsed.hash.len()];
        pbkdf2::pbkdf2_hmac::<sha2_010::Sha256>(password.as_bytes(), &parsed.salt, parsed.rounds, &mut computed);
        return Ok(constant_time_eq(&computed, &parsed.hash));
    }
    let hash = parse(stored, PBKDF2, "pbkdf2-sha256")?;
    verified(Pbkdf2.verify_password(password.as_bytes(), &hash), PBKDF2)
}

// ---------------------------------------------------------------- scrypt

pub(crate) fn check_scrypt(stored: &str) -> Result<Format, HashError> {
    let format = Format::Scrypt;
    let hash = parse(stored, format, "scrypt")?;
    let log_n = decimal(&hash, format, "ln")?;
    let r = decimal(&hash, format, "r")?;
    let p = decimal(&hash, format, "p")?;
    if log_n == 0 || r == 0 || p == 0 {
        return Err(HashError::malformed(format, "ln, r and p must be at least 1"));
    }
    out_of_bounds(format, "ln", log_n, u64::from(SCRYPT_MAX_LOG_N))?;
    out_of_bounds(format, "r", r, u64::from(SCRYPT_MAX_R))?;
    out_of_bounds(format, "p", p, u64::from(SCRYPT_MAX_P))?;
    // ln ≤ 20 and r ≤ 32 here, so none of this overflows.
    let memory = 128 * r * (1u64 << log_n);
    out_of_bounds(format, "memory 128·r·N (bytes)", memory, SCRYPT_MAX_MEMORY_BYTES)?;
    out_of_bounds(format, "work 128·r·N·p (bytes)", memory * p, SCRYPT_MAX_WORK_BYTES)?;
    minimum_output(format, hash.hash.map(|h| h.len()).unwrap_or(0))?;
    Ok(format)
}

pub(crate) fn verify_scrypt(password: &str, stored: &str) -> Result<bool, HashError> {
    check_scrypt(stored)?;
    let hash = parse(stored, Format::Scrypt, "scrypt")?;
    verified(Scrypt.verify_password(password.as_bytes(), &hash), Format::Scrypt)
}
