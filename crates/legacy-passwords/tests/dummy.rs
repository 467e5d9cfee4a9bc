//! Dummies built from every reference vector: the same format and parameters (so the same
//! cost), verified without error, matching neither the row's password nor anything else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use legacy_passwords::{check, dummy_like, profile, verify};
use serde_json::Value;

fn vectors() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["password"].as_str().unwrap().into(),
                v["hash"].as_str().unwrap().into(),
                v["source"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn a_dummy_of_every_vector_has_its_format_and_parameters_and_matches_no_known_password() {
    for (n, (password, hash, source)) in vectors().into_iter().enumerate() {
        let seed = [u8::try_from(n % 256).unwrap(); 32];
        let dummy = dummy_like(&hash, seed).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(check(&dummy), check(&hash), "{source}");
        assert_eq!(profile(&dummy), profile(&hash), "{source}");
        assert_ne!(dummy, hash, "{source}");
        assert_eq!(verify(&password, &dummy), Ok(false), "{source}: {dummy}");
        assert_eq!(verify("", &dummy), Ok(false), "{source}");
    }
}

/// The mean time of a wrong password against `row` and against `dummy`, alternating (after one
/// untimed run of each: the first touches fresh memory), so that load and warm-up hit both alike.
fn times(row: &str, dummy: &str, runs: u32) -> (Duration, Duration) {
    let (mut against_row, mut against_dummy) = (Duration::ZERO, Duration::ZERO);
    for run in 0..=runs {
        for (hash, total) in [(row, &mut against_row), (dummy, &mut against_dummy)] {
            let started = Instant::now();
            let _ = verify("Wrong-Passw0rd!", hash);
            if run > 0 {
                *total += started.elapsed();
            }
        }
    }
    (against_row / runs, against_dummy / runs)
}

/// The point of a dummy: a wrong password against a row and any password against its dummy take
/// the same time (here within a factor of 1.5 either way, on a loaded build machine).
#[test]
fn a_dummy_costs_what_its_row_costs() {
    // The fixture's hashes are cheap (well under a millisecond, where noise decides): rows with
    // realistic costs, bcrypt 10 and Argon2id at OWASP's 19 MiB, t=2 (salt and digest arbitrary).
    let bcrypt_10 = "$2b$10$YAa1ywxPRvx.6CdJc8XVW.2iueEgHosOCcawdrtjyM1lS0jyJeOH6".to_owned();
    let argon2id =
        "$argon2id$v=19$m=19456,t=2,p=1$c2l4dGVlbiBieXRlIHNsdA$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY".to_owned();
    for row in [bcrypt_10, argon2id] {
        let dummy = dummy_like(&row, [9; 32]).unwrap();
        let (wrong, unknown) = times(&row, &dummy, 4);
        let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
        assert!((0.66..1.5).contains(&ratio), "{}: row {wrong:?}, dummy {unknown:?}", profile(&row).unwrap().as_str());
    }
}
