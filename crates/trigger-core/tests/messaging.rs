//! The SESv2 mailer and the Step Functions scheduler against the local stack (moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use serde_json::{Value, json};
use trigger_core::ports::{Email, Mailer, Scheduler, StartOutcome};
use trigger_core::testing::{local_aws, unique};

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn mailer_sends_one_message_that_reads_back_from_the_local_ses() {
    let aws = local_aws().await.unwrap();
    let to = format!("{}@example.com", unique("rcpt"));
    let email = Email {
        from: "no-reply@example.com".into(),
        to: to.clone(),
        subject: "Welcome".into(),
        text: "Hello".into(),
        html: Some("<p>Hello &lt;you&gt;</p>".into()),
        message_id: None,
    };
    let sent = aws.mailer().send(&email).await.unwrap();
    assert!(!sent.message_id.is_empty());
    let messages = trigger_core::testing::ses_messages_to(&to).unwrap();
    assert_eq!(messages.len(), 1, "exactly one message to {to}");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn scheduler_starts_one_execution_per_name() {
    let aws = local_aws().await.unwrap();
    let sfn = aws_sdk_sfn::Client::new(aws.sdk_config());
    let definition = json!({ "StartAt": "Done", "States": { "Done": { "Type": "Pass", "End": true } } });
    let machine = sfn
        .create_state_machine()
        .name(unique("reminder"))
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/local-stepfunctions")
        .send()
        .await
        .unwrap();
    let arn = machine.state_machine_arn();
    let input = json!({ "userPoolId": "local_1", "userName": "jane" });
    let scheduler = aws.scheduler();
    let first = scheduler.start_execution(arn, "signup-jane", &input).await.unwrap();
    assert!(matches!(first, StartOutcome::Started { .. }), "{first:?}");
    let again = scheduler.start_execution(arn, "signup-jane", &json!({ "retry": true })).await.unwrap();
    assert_eq!(again, StartOutcome::AlreadyStarted);
    let executions = sfn.list_executions().state_machine_arn(arn).send().await.unwrap();
    assert_eq!(executions.executions().len(), 1);
    let described =
        sfn.describe_execution().execution_arn(executions.executions()[0].execution_arn()).send().await.unwrap();
    let received: Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(received, input, "the input arrives as a JSON object, encoded once");
}

#[tokio::test]
async fn scheduler_refuses_an_invalid_execution_name_before_calling() {
    let aws =
        trigger_core::aws::Aws::load(&trigger_core::aws::AwsSettings::from_env(&trigger_core::Env::default()).unwrap())
            .await;
    let err = aws.scheduler().start_execution("arn:x", "has space", &json!({})).await.unwrap_err();
    assert_eq!(err.kind, trigger_core::ports::PortErrorKind::Rejected);
}
