//! The AWS SDK's calls as X-Ray subsegments: a real SDK client (the Cognito directory, against a
//! replay endpoint on loopback) called within a sampled trace sends one subsegment per operation
//! to an X-Ray "daemon" (a UDP socket on loopback); within an unsampled trace it sends nothing.
//! One test alone in its binary: it installs the process's global subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::net::UdpSocket;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use trigger_core::ports::UserDirectory;
use trigger_core::testing::ReplayEndpoint;
use trigger_core::xray;

const TRACE_ID: &str = "1-5759e988-bd862e3fe1be46a994272793";
const PARENT_ID: &str = "53995c3f42cd8ad8";

fn user() -> Value {
    json!({
        "Username": "jane", "UserStatus": "CONFIRMED", "Enabled": true,
        "UserAttributes": [{ "Name": "sub", "Value": "s-1" }, { "Name": "email", "Value": "jane@example.com" }]
    })
}

/// The next datagram the daemon received, or None within `wait`.
fn received(daemon: &UdpSocket, wait: Duration) -> Option<String> {
    daemon.set_read_timeout(Some(wait)).unwrap();
    let mut buffer = [0u8; 65_536];
    let length = daemon.recv(&mut buffer).ok()?;
    Some(String::from_utf8(buffer[..length].to_vec()).unwrap())
}

#[tokio::test]
async fn sdk_calls_of_a_sampled_trace_reach_the_daemon_as_subsegments() {
    let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = daemon.local_addr().unwrap().to_string();
    tracing_subscriber::registry().with(xray::layer(Some(&address)).expect("a daemon address")).init();
    let endpoint = ReplayEndpoint::start(vec![(200, user()), (200, user())]).unwrap();
    let directory = endpoint.directory();

    xray::begin(Some(&format!("Root={TRACE_ID};Parent={PARENT_ID};Sampled=1")));
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    assert!(directory.get_user("us-east-1_X", "jane").await.unwrap().is_some());
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64();

    let document = received(&daemon, Duration::from_secs(5)).expect("a subsegment for AdminGetUser");
    let (header, body) = document.split_once('\n').unwrap();
    assert_eq!(serde_json::from_str::<Value>(header).unwrap(), json!({"format": "json", "version": 1}));
    let subsegment: Value = serde_json::from_str(body).unwrap();
    assert_eq!(subsegment["type"], "subsegment");
    assert_eq!(subsegment["namespace"], "aws");
    assert_eq!(subsegment["name"], "Cognito Identity Provider");
    assert_eq!(subsegment["aws"], json!({"operation": "AdminGetUser"}));
    assert_eq!(subsegment["trace_id"], TRACE_ID);
    assert_eq!(subsegment["parent_id"], PARENT_ID);
    assert_eq!(subsegment["id"].as_str().unwrap().len(), 16);
    let (start, end) = (subsegment["start_time"].as_f64().unwrap(), subsegment["end_time"].as_f64().unwrap());
    assert!(before - 0.001 <= start && start <= end && end <= after + 0.001, "{before} {start} {end} {after}");
    assert!(!body.contains("jane") && !body.contains("us-east-1_X"), "nothing of the call's input: {body}");
    assert_eq!(received(&daemon, Duration::from_millis(300)), None, "one subsegment per operation");

    xray::begin(Some(&format!("Root={TRACE_ID};Parent={PARENT_ID};Sampled=0")));
    assert!(directory.get_user("us-east-1_X", "jane").await.unwrap().is_some());
    assert_eq!(received(&daemon, Duration::from_millis(500)), None, "an unsampled trace sends nothing");
    assert_eq!(endpoint.recorded().len(), 2, "both calls were made");
}
