//! Whatever a legacy table holds, verification never panics: every truncation and many garblings
//! of real hashes, and a table of hand-written bad strings, end in an error or a mismatch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use legacy_passwords::{Format, HashError, check, verify};
use serde_json::Value;

/// The cheap reference vectors (the argon2-cffi default one costs 64 MiB per try).
fn cheap_vectors() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .map(|v| (v["password"].as_str().unwrap().to_owned(), v["hash"].as_str().unwrap().to_owned()))
        .filter(|(_, hash)| !hash.contains("m=65536"))
        .collect()
}

#[test]
fn every_truncation_of_a_real_hash_is_refused_or_fails() {
    // The two RFC vectors have 64-byte outputs: cut to 32 bytes they are still whole, valid
    // PBKDF2 / scrypt hashes (those outputs are prefixes of longer ones), so they are left out.
    for (password, hash) in cheap_vectors().into_iter().filter(|(_, h)| !h.contains("p=16$") && !h.contains("l=64")) {
        let chars: Vec<char> = hash.chars().collect();
        for end in 0..chars.len() {
            let cut: String = chars[..end].iter().collect();
            let result = verify(&password, &cut);
            assert_ne!(result, Ok(true), "{cut:?} verified");
        }
    }
}

#[test]
fn garbled_hashes_never_panic() {
    for (password, hash) in cheap_vectors().into_iter().step_by(3) {
        let chars: Vec<char> = hash.chars().collect();
        for at in 0..chars.len() {
            for replacement in ['$', '=', 'é', '\0', ','] {
                let mut garbled = chars.clone();
                garbled[at] = replacement;
                let garbled: String = garbled.into_iter().collect();
                let _ = verify(&password, &garbled);
            }
            let mut without: Vec<char> = chars.clone();
            without.remove(at);
            let _ = verify(&password, &without.into_iter().collect::<String>());
        }
    }
}

#[test]
fn hand_written_bad_strings_are_typed_errors() {
    let bcrypt = Some(Format::Bcrypt);
    let cases: &[(&str, Option<Format>)] = &[
        ("", None),
        ("plain text password", None),
        ("5f4dcc3b5aa765d61d8327deb882cf99", None),
        ("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", None),
        ("$1$salt$hash", None),
        ("$2b$", bcrypt),
        ("$2b$10$", bcrypt),
        ("$2b$1$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", bcrypt),
        ("$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", bcrypt),
        ("$2b$-5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", bcrypt),
        ("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe", bcrypt),
        ("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW", bcrypt),
        ("$2b$05$CCCCCCCCCCCCCCCCCCCCC!E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", bcrypt),
        ("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW$", bcrypt),
        ("$2b$05$CCCCCCCCCCCCCCCCCCCCé.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe", bcrypt),
        ("$argon2id$", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=1024,t=2,p=2$", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHQ", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=1024,t=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=8,t=1,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Argon2id)),
        ("$argon2id$v=19$m=x,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Argon2id)),
        ("$argon2id$v=7$m=1024,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Argon2id)),
        ("$argon2i$v=19$m=1024,t=2,p=1$c2FsdHNhbHQ$!!!!", Some(Format::Argon2i)),
        ("$pbkdf2-sha256$", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$i=0,l=32$c2FsdA$aGFzaA", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$l=32$c2FsdA$aGFzaA", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$i=abc$c2FsdA$aGFzaA", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$1000$$", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$1000$c2FsdA$***", Some(Format::Pbkdf2Sha256Phc)),
        ("$pbkdf2-sha256$99999999999999999999$c2FsdA$aGFzaA", Some(Format::Pbkdf2Sha256Phc)),
        ("pbkdf2_sha256$", Some(Format::DjangoPbkdf2Sha256)),
        ("pbkdf2_sha256$abc$salt$aGFzaA==", Some(Format::DjangoPbkdf2Sha256)),
        ("pbkdf2_sha256$1000$$aGFzaA==", Some(Format::DjangoPbkdf2Sha256)),
        ("pbkdf2_sha256$1000$salt$aGFzaA==", Some(Format::DjangoPbkdf2Sha256)),
        ("pbkdf2_sha256$1000$salt$not base64", Some(Format::DjangoPbkdf2Sha256)),
        ("pbkdf2_sha256$1000$salt$hash$extra", Some(Format::DjangoPbkdf2Sha256)),
        ("$scrypt$", Some(Format::Scrypt)),
        ("$scrypt$ln=0,r=8,p=1$c2FsdA$aGFzaA", Some(Format::Scrypt)),
        ("$scrypt$ln=10,r=8$c2FsdA$aGFzaA", Some(Format::Scrypt)),
        ("$scrypt$ln=10,r=8,p=1$c2FsdA", Some(Format::Scrypt)),
        ("$scrypt$ln=300,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", Some(Format::Scrypt)),
    ];
    for (stored, format) in cases {
        let error = verify("password", stored).expect_err(stored);
        assert_eq!(error.format(), *format, "{stored}: {error}");
        assert_eq!(check(stored).err().map(|e| e.format()), Some(*format), "{stored}");
        assert!(stored.len() < 16 || !error.to_string().contains(stored), "the error repeats the hash: {error}");
    }
    assert_eq!(verify("password", "md5$x"), Err(HashError::Unrecognised));
}
