//! What one verification costs at each bound, on this machine's CPU:
//! `cargo run --release -p legacy-passwords --example cost`. A measurement, not a test: the
//! numbers go into docs/triggers/user-migration.md (Lambda's CPU share scales them by memory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::time::Instant;

use legacy_passwords::bounds::*;
use password_hash::{PasswordHasher, SaltString};

fn time(name: &str, stored: &str) {
    legacy_passwords::check(stored).unwrap();
    let started = Instant::now();
    let runs = 3;
    for _ in 0..runs {
        assert_eq!(legacy_passwords::verify("not the password", stored), Ok(false));
    }
    println!("{name:<44} {:>7.1} ms", started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs));
}

fn main() {
    let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
    let password = b"measured";
    time(&format!("bcrypt cost {BCRYPT_MAX_COST}"), &bcrypt::hash(password, BCRYPT_MAX_COST).unwrap());
    time("bcrypt cost 10", &bcrypt::hash(password, 10).unwrap());
    let t = (ARGON2_MAX_WORK_KIB / u64::from(ARGON2_MAX_MEMORY_KIB)) as u32;
    let params = argon2::Params::new(ARGON2_MAX_MEMORY_KIB, t, 4, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    time(
        &format!("argon2id m={ARGON2_MAX_MEMORY_KIB} KiB t={t} p=4"),
        &argon.hash_password(password, &salt).unwrap().to_string(),
    );
    let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    time("argon2id m=19456 KiB t=2 p=1 (OWASP)", &argon.hash_password(password, &salt).unwrap().to_string());
    let pbkdf2_params = pbkdf2::Params { rounds: PBKDF2_MAX_ITERATIONS, output_length: 32 };
    let stored = pbkdf2::Pbkdf2
        .hash_password_customized(password, Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()), None, pbkdf2_params, &salt)
        .unwrap()
        .to_string();
    time(&format!("pbkdf2-sha256 i={PBKDF2_MAX_ITERATIONS}"), &stored);
    let scrypt_params = scrypt::Params::new(15, 8, 2, 32).unwrap();
    let stored =
        scrypt::Scrypt.hash_password_customized(password, None, None, scrypt_params, &salt).unwrap().to_string();
    time("scrypt ln=15 r=8 p=2 (32 MiB, work bound)", &stored);
}
