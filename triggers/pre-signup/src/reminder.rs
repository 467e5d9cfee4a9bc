//! Starting the sign-up reminder state machine: one execution per sign-up, whatever the retries.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A deterministic execution name: the same pool and user name always give the same name, so a
/// retried trigger's StartExecution finds the first execution instead of starting a second.
/// Step Functions names allow 80 characters of `A-Z a-z 0-9 - _`; a hash keeps any user name in.
pub fn execution_name(user_pool_id: &str, username: &str) -> String {
    // The pool id is length-prefixed, so no (pool, user) pair can spell another one.
    let digest = Sha256::digest(format!("{}:{user_pool_id}{username}", user_pool_id.len()).as_bytes());
    let hex: String = digest.iter().take(24).map(|b| format!("{b:02x}")).collect();
    format!("signup-{hex}")
}

/// The execution input: one JSON object (not a string holding JSON).
pub struct Input<'a> {
    pub user_pool_id: &'a str,
    pub username: &'a str,
    pub sub: Option<&'a str>,
    pub email: Option<&'a str>,
    /// When this sign-up ran (epoch seconds): the reminder identifies its user by it when there is
    /// no `sub` yet (Cognito creates the user after pre sign-up answers).
    pub signed_up_at: i64,
    pub remind_after_seconds: i64,
    pub expire_after_seconds: i64,
}

impl Input<'_> {
    pub fn to_json(&self) -> Value {
        let mut input = json!({
            "userPoolId": self.user_pool_id,
            "userName": self.username,
            "signedUpAt": self.signed_up_at,
            "remindAfterSeconds": self.remind_after_seconds,
            "expireAfterSeconds": self.expire_after_seconds,
        });
        if let Some(sub) = self.sub {
            input["sub"] = json!(sub);
        }
        if let Some(email) = self.email {
            input["email"] = json!(email);
        }
        input
    }
}

#[cfg(test)]
mod tests {
    use trigger_core::ports::execution_name_is_valid;

    use super::*;

    #[test]
    fn names_are_stable_valid_and_distinct() {
        let name = execution_name("us-east-1_X", "jane.doe@example.com\"weird/£");
        assert_eq!(name, execution_name("us-east-1_X", "jane.doe@example.com\"weird/£"));
        assert!(execution_name_is_valid(&name), "{name}");
        assert_ne!(name, execution_name("us-east-1_Y", "jane.doe@example.com\"weird/£"));
        assert_ne!(execution_name("p", "a\nb"), execution_name("p\na", "b"));
    }

    #[test]
    fn input_is_an_object_with_only_known_values() {
        let input = Input {
            user_pool_id: "p",
            username: "u",
            sub: None,
            email: Some("e@example.com"),
            signed_up_at: 1_700_000_000,
            remind_after_seconds: 10,
            expire_after_seconds: 20,
        };
        assert_eq!(
            input.to_json(),
            json!({
                "userPoolId": "p", "userName": "u", "email": "e@example.com", "signedUpAt": 1_700_000_000,
                "remindAfterSeconds": 10, "expireAfterSeconds": 20
            })
        );
    }
}
