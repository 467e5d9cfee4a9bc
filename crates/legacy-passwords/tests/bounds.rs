//! Parameters past the bounds are refused before any work, with the parameter named; parameters
//! at the bounds are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use legacy_passwords::bounds::*;
use legacy_passwords::{Format, HashError, check, verify};

const SALT: &str = "c2l4dGVlbiBieXRlIHNsdA";
const HASH: &str = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

fn refused(stored: &str) -> (&'static str, u64, u64) {
    // `verify` must refuse as fast as `check`: an over-bound hash would otherwise take minutes here.
    match verify("pw", stored) {
        Err(HashError::OutOfBounds { parameter, value, max, .. }) => (parameter, value, max),
        other => panic!("{stored}: {other:?}"),
    }
}

#[test]
fn bcrypt_cost_past_the_bound_is_refused() {
    let body = "CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    assert_eq!(check(&format!("$2b${BCRYPT_MAX_COST}${body}")), Ok(Format::Bcrypt));
    assert_eq!(refused(&format!("$2b${}${body}", BCRYPT_MAX_COST + 1)), ("cost", 13, 12));
    assert_eq!(refused(&format!("$2y$31${body}")), ("cost", 31, 12));
}

#[test]
fn argon2_memory_iterations_parallelism_and_work_are_bounded() {
    let argon = |m: u64, t: u64, p: u64| format!("$argon2id$v=19$m={m},t={t},p={p}${SALT}${HASH}");
    let max_m = u64::from(ARGON2_MAX_MEMORY_KIB);
    assert_eq!(check(&argon(max_m, 3, 4)), Ok(Format::Argon2id), "argon2-cffi's defaults pass");
    assert_eq!(check(&argon(7 * 1024, 5, 1)), Ok(Format::Argon2id), "Keycloak's defaults pass");
    assert_eq!(refused(&argon(max_m + 1, 1, 1)), ("m (KiB)", max_m + 1, max_m));
    assert_eq!(refused(&argon(4_194_304, 1, 1)).0, "m (KiB)");
    assert_eq!(refused(&argon(1024, 11, 1)), ("t", 11, 10));
    assert_eq!(refused(&argon(1024, 1, 17)), ("p", 17, 16));
    assert_eq!(refused(&argon(max_m, 4, 1)), ("m × t (KiB)", max_m * 4, ARGON2_MAX_WORK_KIB));
    assert_eq!(refused(&argon(102_400, 2, 8)).0, "m (KiB)", "Django's Argon2 default is past the bound");
    let argon2i = format!("$argon2i$v=19$m={},t=1,p=1${SALT}${HASH}", max_m * 2);
    assert_eq!(verify("pw", &argon2i).unwrap_err().format(), Some(Format::Argon2i));
}

#[test]
fn pbkdf2_iterations_and_length_are_bounded_in_every_dialect() {
    let max = u64::from(PBKDF2_MAX_ITERATIONS);
    assert_eq!(check(&format!("$pbkdf2-sha256$i={max},l=32${SALT}${HASH}")), Ok(Format::Pbkdf2Sha256Phc));
    assert_eq!(refused(&format!("$pbkdf2-sha256$i={},l=32${SALT}${HASH}", max + 1)), ("iterations", max + 1, max));
    assert_eq!(refused(&format!("$pbkdf2-sha256$4000000000${SALT}${HASH}")).0, "iterations");
    assert_eq!(
        refused(&format!("pbkdf2_sha256${}$salt$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=", max + 1)).0,
        "iterations"
    );
    let long = "QUFB".repeat(22); // 66 bytes
    // The PHC parser itself refuses outputs over 64 bytes.
    assert!(matches!(verify("pw", &format!("$pbkdf2-sha256$i=1000${SALT}${long}")), Err(HashError::Malformed { .. })));
    assert!(matches!(verify("pw", &format!("$pbkdf2-sha256$1000${SALT}${long}")), Err(HashError::Malformed { .. })));
}

#[test]
fn scrypt_n_r_p_memory_and_work_are_bounded() {
    let scrypt = |ln: u64, r: u64, p: u64| format!("$scrypt$ln={ln},r={r},p={p}${SALT}${HASH}");
    assert_eq!(check(&scrypt(15, 8, 1)), Ok(Format::Scrypt), "Go's recommended parameters pass");
    assert_eq!(check(&scrypt(14, 8, 2)), Ok(Format::Scrypt));
    assert_eq!(refused(&scrypt(21, 1, 1)).0, "ln");
    assert_eq!(refused(&scrypt(17, 8, 1)), ("memory 128·r·N (bytes)", 128 * 1024 * 1024, SCRYPT_MAX_MEMORY_BYTES));
    assert_eq!(refused(&scrypt(10, 33, 1)).0, "r");
    assert_eq!(refused(&scrypt(10, 8, 17)).0, "p");
    assert_eq!(refused(&scrypt(15, 8, 3)).0, "work 128·r·N·p (bytes)");
}
