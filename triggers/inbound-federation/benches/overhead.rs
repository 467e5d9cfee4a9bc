//! `make bench`: inbound-federation's in-process overhead on its common path, an OIDC sign-in
//! whose claims are mapped (ID token, then user info; a list claim joined; `email_verified` of a
//! trusted provider passed through), no port: what the trigger itself adds to an invocation
//! (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use inbound_federation::{InboundFederation, Ports, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::testing::overhead::{Overhead, fixture};

/// The fixture's provider with seven claims mapped (the example of the handler tests).
const MAP: &str = "CorpOIDC: email=email, email_verified=email_verified, given_name=given_name, \
                   family_name=family_name, phone_number=phone_number, picture=picture, custom:groups=groups[]";

fn overhead() -> Overhead<InboundFederation> {
    let env = Env::from_pairs([("FEDERATION_ATTRIBUTE_MAP", MAP), ("LINK_TRUSTED_PROVIDERS", "CorpOIDC")]);
    Overhead::new(InboundFederation::new(Settings::from_env(&env).unwrap(), Ports::default())).unwrap()
}

/// OIDC sign-ins; the trigger keeps nothing, so the same event every time.
fn sign_ins() -> impl FnMut() -> Value {
    let event = fixture("inbound-federation.json").unwrap();
    move || event.clone()
}

#[divan::bench]
fn inbound_federation_oidc_sign_in(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(sign_ins()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let mapped = |answer: &Value| {
        let mapped = &answer["response"]["userAttributesToMap"];
        mapped["email"].is_string() && mapped["custom:groups"].is_string()
    };
    overhead().report("inbound-federation, an OIDC sign-in mapped", sign_ins(), mapped).unwrap();
}
