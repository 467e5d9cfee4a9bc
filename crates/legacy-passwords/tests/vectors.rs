//! Hashes made by the reference implementation of each format (tests/fixtures/vectors.json,
//! written by tests/fixtures/generate_vectors.py: Python's bcrypt, argon2-cffi, passlib and
//! hashlib) and published vectors (RFC 7914, Openwall), plus hashes the Rust crates make
//! themselves: every one verifies with its password and with no other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use legacy_passwords::{Format, check, verify};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap().as_array().unwrap().clone()
}

fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name].as_str().unwrap()
}

#[test]
fn every_reference_vector_verifies_with_its_password_only() {
    let vectors = vectors();
    assert!(vectors.len() >= 30, "the fixture lost vectors");
    for vector in &vectors {
        let (password, hash, source) = (field(vector, "password"), field(vector, "hash"), field(vector, "source"));
        let format = check(hash).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(format.as_str(), field(vector, "format"), "{source}");
        assert_eq!(verify(password, hash), Ok(true), "{source}");
        // bcrypt ignores what follows 72 bytes (tested on its own below).
        let truncates = format == Format::Bcrypt && password.len() >= 72;
        assert_eq!(verify(&format!("{password}x"), hash), Ok(truncates), "{source}: a longer password");
        if !password.is_empty() {
            let shorter: String = password.chars().take(password.chars().count() - 1).collect();
            assert_eq!(verify(&shorter, hash), Ok(false), "{source}: a shorter one");
            assert_eq!(verify(&password.to_uppercase(), hash), Ok(password == password.to_uppercase()), "{source}");
        }
    }
}

#[test]
fn every_format_and_dialect_is_covered_by_the_fixture() {
    let vectors = vectors();
    let hashes: Vec<&str> = vectors.iter().map(|v| field(v, "hash")).collect();
    for prefix in ["$2a$", "$2b$", "$2y$", "$argon2id$", "$argon2i$", "$pbkdf2-sha256$i=", "pbkdf2_sha256$", "$scrypt$"]
    {
        assert!(hashes.iter().any(|h| h.starts_with(prefix)), "no vector for {prefix}");
    }
    assert!(hashes.iter().any(|h| h.starts_with("$pbkdf2-sha256$1000$")), "no passlib vector");
    assert!(hashes.contains(&"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

#[test]
fn bcrypt_reads_72_bytes_as_the_systems_that_wrote_the_hashes_did() {
    let vector = vectors().into_iter().find(|v| field(v, "password") == "x".repeat(72)).unwrap();
    let hash = field(&vector, "hash");
    assert_eq!(verify(&"x".repeat(100), hash), Ok(true));
    assert_eq!(verify(&"x".repeat(71), hash), Ok(false));
}

#[test]
fn hashes_made_by_the_rust_crates_verify() {
    use password_hash::{PasswordHasher, SaltString};

    let password = "Rust-made 1";
    let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
    let argon2id = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(2048, 2, 1, None).unwrap(),
    );
    let argon2i = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 3, 1, None).unwrap(),
    );
    let pbkdf2_params = pbkdf2::Params { rounds: 2_000, output_length: 32 };
    let scrypt_params = scrypt::Params::new(11, 8, 1, 32).unwrap();
    let made = [
        (Format::Bcrypt, bcrypt::hash(password, 5).unwrap()),
        (Format::Argon2id, argon2id.hash_password(password.as_bytes(), &salt).unwrap().to_string()),
        (Format::Argon2i, argon2i.hash_password(password.as_bytes(), &salt).unwrap().to_string()),
        (
            Format::Pbkdf2Sha256Phc,
            pbkdf2::Pbkdf2
                .hash_password_customized(
                    password.as_bytes(),
                    Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()),
                    None,
                    pbkdf2_params,
                    &salt,
                )
                .unwrap()
                .to_string(),
        ),
        (
            Format::Scrypt,
            scrypt::Scrypt
                .hash_password_customized(password.as_bytes(), None, None, scrypt_params, &salt)
                .unwrap()
                .to_string(),
        ),
    ];
    for (format, hash) in &made {
        assert_eq!(check(hash), Ok(*format), "{hash}");
        assert_eq!(verify(password, hash), Ok(true), "{format}");
        assert_eq!(verify("Rust-made 2", hash), Ok(false), "{format}");
    }
}

#[test]
fn surrounding_whitespace_of_a_stored_value_is_ignored() {
    let vector = &vectors()[0];
    let padded = format!("  {}\n", field(vector, "hash"));
    assert_eq!(verify(field(vector, "password"), &padded), Ok(true));
}
