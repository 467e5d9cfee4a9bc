//! The real `inbound-federation` binary (served by `cargo lambda watch`, settings from
//! `local/functions.env`) invoked through the Lambda Invoke API (the adapter on :9001), since no
//! local user pool federates and so none invokes it. Checks the answer to each provider type's
//! fixture and that a refusal arrives as a Lambda function error with the user-facing text.
//! Needs the local stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

/// The function's answer: `Ok(event)`, or `Err(error body)` for a function error.
fn invoke(event: &Value) -> Result<Value, Value> {
    let host = "127.0.0.1:9001";
    let body = event.to_string();
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    write!(
        stream,
        "POST /2015-03-31/functions/inbound-federation/invocations HTTP/1.0\r\nHost: {host}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    let answer: Value = serde_json::from_str(body).unwrap();
    if head.to_ascii_lowercase().contains("x-amz-function-error") { Err(answer) } else { Ok(answer) }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
#[ignore = "needs the local stack: run with `make test`"]
fn the_binary_maps_each_provider_type_with_the_local_settings() {
    let oidc = invoke(&fixture("inbound-federation.json")).unwrap();
    assert_eq!(
        oidc["response"]["userAttributesToMap"],
        json!({
            "email": "jane.doe@corp.example",
            "given_name": "Jane",
            "family_name": "Doe",
            "phone_number": "+14155550123",
            "picture": "https://login.corp.example/avatars/jane.png",
            "custom:groups": r#"["engineering","on-call"]"#,
        }),
        "no verified flag: CorpOIDC is not trusted locally"
    );
    let saml = invoke(&fixture("inbound-federation-saml.json")).unwrap();
    assert_eq!(
        saml["response"]["userAttributesToMap"],
        json!({ "email": "jane.doe@corp.example", "given_name": "Jane", "custom:groups": r#"["engineering","on-call","sre"]"# })
    );
    let google = invoke(&fixture("inbound-federation-google.json")).unwrap();
    assert_eq!(google["response"]["userAttributesToMap"], json!({ "email": "jane.doe@gmail.com", "name": "Jane Doe" }));
}

#[test]
#[ignore = "needs the local stack: run with `make test`"]
fn a_provider_that_sends_none_of_its_mapped_claims_is_refused_with_the_users_text() {
    let mut event = fixture("inbound-federation-saml.json");
    event["request"]["attributes"]["samlResponse"] = json!({ "unrelated": "value" });
    let error = invoke(&event).unwrap_err();
    // inbound_federation::NOTHING_MAPPED
    let text = "Your sign-in provider did not send the details this app needs. Please contact your administrator";
    assert_eq!(error["errorMessage"], text, "{error}");
}
