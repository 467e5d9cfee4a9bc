//! The reference hash vectors of `crates/legacy-passwords` (made by each format's own library),
//! shared by this crate's handler and local-stack tests: (format, password, hash).
#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use serde_json::Value;

pub fn all() -> Vec<(String, String, String)> {
    let path = format!("{}/../../crates/legacy-passwords/tests/fixtures/vectors.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["format"].as_str().unwrap().into(),
                v["password"].as_str().unwrap().into(),
                v["hash"].as_str().unwrap().into(),
            )
        })
        .collect()
}
