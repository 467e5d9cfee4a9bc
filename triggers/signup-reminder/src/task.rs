//! The task the state machine sends: the execution input plus an `action`, and the `outcome` the
//! handler adds. One type in and out (the runtime's `Trigger::Event`), so every field the input
//! carries, known or not, survives the round trip.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use trigger_core::TriggerError;
use trigger_core::logging::mask_identifier;
use trigger_core::ports::DirectoryUser;

/// Which step of the state machine is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Still unconfirmed: send the reminder e-mail (once).
    Remind,
    /// Still unconfirmed: delete the user, release the reservations, send the notice (once).
    Expire,
}

/// What the handler did; the state machine keeps it as the step's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// `remind`: the reminder went out in this invocation.
    Sent,
    /// `remind`: an earlier invocation sent it already (a retry, or a re-run of the step).
    AlreadySent,
    /// `remind`: neither the user nor the input has an e-mail address.
    SkippedNoEmail,
    /// `remind`: the reminder could not be rendered (counted as `ReminderNotRendered`); not sent.
    SkippedNotRendered,
    /// `expire`: the user was deleted by this sign-up's expiry (now or by an earlier attempt).
    Expired,
    /// The user has confirmed (or is in any status other than UNCONFIRMED): nothing was done.
    SkippedConfirmed,
    /// The user no longer exists: nothing to remind; `expire` still released its reservations.
    SkippedGone,
    /// A user of that name exists, but not the one this sign-up created (another `sub`, or created
    /// after the sign-up), or the input cannot tell: nothing was done to it.
    SkippedOtherUser,
}

/// Whether the directory's user is the one this sign-up created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    Same,
    Other,
    /// Neither a `sub` nor the sign-up time is in the input: no way to tell.
    Unknown,
}

/// A sign-up's user is created right after pre sign-up answers; allow for clock skew and retries.
pub const CREATION_GRACE_SECONDS: i64 = 300;

/// The Step Functions execution this task belongs to (filled by the state machine's first state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRef {
    pub name: String,
}

/// `{"action": "remind"|"expire", "userPoolId", "userName", "sub"?, "email"?, "phoneNumber"?, …}`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReminderTask {
    pub action: Action,
    pub user_pool_id: String,
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The address given at sign-up; the directory's current `email` attribute wins when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// When pre sign-up ran (epoch seconds): identifies the user when the input has no `sub`
    /// (Cognito creates the user, and its `sub`, only after pre sign-up answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_up_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionRef>,
    /// Set by the handler; absent in the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Everything else (`remindAfterSeconds`, earlier steps' results, …), written back unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ReminderTask {
    /// Required values must be present (serde checks) and not blank (checked here).
    pub fn validate(&self) -> Result<(), TriggerError> {
        for (name, value) in [("userPoolId", &self.user_pool_id), ("userName", &self.user_name)] {
            if value.trim().is_empty() {
                return Err(TriggerError::BadEvent(format!("{name} is empty")));
            }
        }
        Ok(())
    }

    /// Identifies one sign-up in idempotency keys: pool, user name, and the execution when known
    /// (pre sign-up starts one execution per sign-up; a direct invocation has none).
    pub fn signup_id(&self) -> String {
        match &self.execution {
            Some(execution) => format!("{}#{}#{}", self.user_pool_id, self.user_name, execution.name),
            None => format!("{}#{}", self.user_pool_id, self.user_name),
        }
    }

    /// Whether `user` is the user this sign-up created: the same `sub` when the input has one, else
    /// a user created no later than the sign-up (a user of the same name created later is a new
    /// sign-up that reused the name, and is not ours to remind or delete).
    pub fn identify(&self, user: &DirectoryUser) -> Identity {
        if let Some(sub) = self.sub.as_deref().filter(|s| !s.trim().is_empty()) {
            return if user.sub() == Some(sub) { Identity::Same } else { Identity::Other };
        }
        match (self.signed_up_at, user.created_at) {
            (Some(signed_up_at), Some(created_at)) if created_at <= signed_up_at + CREATION_GRACE_SECONDS => {
                Identity::Same
            }
            (Some(_), Some(_)) => Identity::Other,
            _ => Identity::Unknown,
        }
    }

    /// The answer: the same task with its outcome.
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = Some(outcome);
        self
    }
}

/// Never prints the addresses or the extra fields; the user name is masked like in every log.
impl fmt::Debug for ReminderTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReminderTask")
            .field("action", &self.action)
            .field("user_pool_id", &self.user_pool_id)
            .field("user_name", &mask_identifier(&self.user_name))
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_fields_and_nulls_round_trip() {
        let input = json!({
            "action": "remind", "userPoolId": "p", "userName": "u", "sub": null, "email": "e@example.com",
            "remindAfterSeconds": 60, "execution": {"name": "x"}
        });
        let task: ReminderTask = serde_json::from_value(input).unwrap();
        assert_eq!(task.sub, None);
        assert_eq!(task.signup_id(), "p#u#x");
        let out = serde_json::to_value(task.with_outcome(Outcome::AlreadySent)).unwrap();
        assert_eq!(out["remindAfterSeconds"], 60);
        assert_eq!(out["outcome"], "already-sent");
        assert_eq!(out["email"], "e@example.com");
        assert!(out.get("sub").is_none());
    }

    fn user(sub: &str, created_at: Option<i64>) -> DirectoryUser {
        DirectoryUser {
            username: "u".into(),
            status: trigger_core::ports::UserStatus::Unconfirmed,
            enabled: true,
            created_at,
            attributes: [("sub".to_owned(), sub.to_owned())].into(),
        }
    }

    #[test]
    fn the_user_is_identified_by_sub_else_by_when_it_was_created() {
        let task = |extra: Value| -> ReminderTask {
            let mut input = json!({"action": "expire", "userPoolId": "p", "userName": "u"});
            input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            serde_json::from_value(input).unwrap()
        };
        let by_sub = task(json!({"sub": "s-1", "signedUpAt": 1_000}));
        assert_eq!(by_sub.identify(&user("s-1", Some(5_000))), Identity::Same, "the sub decides");
        assert_eq!(by_sub.identify(&user("s-2", Some(1_000))), Identity::Other);
        let by_time = task(json!({"signedUpAt": 1_000}));
        assert_eq!(by_time.identify(&user("x", Some(1_000 + CREATION_GRACE_SECONDS))), Identity::Same);
        assert_eq!(by_time.identify(&user("x", Some(1_001 + CREATION_GRACE_SECONDS))), Identity::Other);
        assert_eq!(by_time.identify(&user("x", None)), Identity::Unknown);
        assert_eq!(task(json!({})).identify(&user("x", Some(1))), Identity::Unknown);
    }

    #[test]
    fn debug_hides_addresses() {
        let task: ReminderTask = serde_json::from_value(json!({
            "action": "expire", "userPoolId": "p", "userName": "jane@example.com", "email": "jane@example.com"
        }))
        .unwrap();
        let printed = format!("{task:?}");
        assert!(!printed.contains("jane@example.com"), "{printed}");
    }
}
