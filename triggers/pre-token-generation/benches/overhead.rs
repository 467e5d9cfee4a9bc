//! `make bench`: pre-token-generation's in-process overhead on its common path, a V2 event
//! (token refresh) for a user whose profile is there (one read; profile claims added, one claim
//! suppressed, the groups kept), the store and directory faked: what the trigger itself adds to
//! an invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use pre_token_generation::{Ports, PreTokenGeneration, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore};
use trigger_core::ports::{AttrValue, Item, Key, Store};
use trigger_core::testing::overhead::{Overhead, fixture};

/// The `sub` of the fixture's user.
const SUB: &str = "4a8b2c3d-1111-2222-3333-444455556666";

fn overhead() -> Overhead<PreTokenGeneration> {
    let env = Env::from_pairs([
        ("TABLE_NAME", "bench"),
        ("CLAIMS_FROM_PROFILE", "tenantId:custom:tenant,roles:roles"),
        ("SUPPRESS_CLAIMS", "phone_number"),
    ]);
    let store = Arc::new(InMemoryStore::default());
    let ports = Ports {
        store: store.clone(),
        directory: Arc::new(FakeDirectory::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
    };
    let overhead = Overhead::new(PreTokenGeneration::new(Settings::from_env(&env).unwrap(), ports)).unwrap();
    let profile = Item::new(&Key::new(format!("USER#{SUB}"), "PROFILE"))
        .with("sub", AttrValue::s(SUB))
        .with("username", AttrValue::s("jane.doe"))
        .with("email", AttrValue::s("jane.doe@example.com"))
        .with("name", AttrValue::s("Jane"))
        .with("tenantId", AttrValue::s("acme"))
        .with("roles", AttrValue::L(vec![AttrValue::s("admin"), AttrValue::s("billing")]));
    overhead.block_on(store.put(&profile, None)).unwrap();
    overhead
}

/// The same user's token refreshes: a read-only path, so the same event every time.
fn refreshes() -> impl FnMut() -> Value {
    let event = fixture("pre-token-generation-v2.json").unwrap();
    move || event.clone()
}

#[divan::bench]
fn pre_token_generation_v2_with_profile(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(refreshes()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let profile_claims = |answer: &Value| {
        let claims = &answer["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"];
        claims["custom:tenant"] == "acme"
    };
    overhead()
        .report("pre-token-generation, a V2 token refresh with the profile there", refreshes(), profile_claims)
        .unwrap();
}
