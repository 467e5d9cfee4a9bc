//! `triggers-admin show|unlock|release|backfill …`: wiring only; see lib.rs.

use std::process::ExitCode;
use std::sync::Arc;

use trigger_core::Env;
use trigger_core::aws::{Aws, AwsSettings};
use trigger_core::domain_events::Events;
use trigger_core::ports::SystemClock;
use triggers_admin::pace::TokioPace;
use triggers_admin::{Command, Ports, Stderr, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = Env::from_process();
    let command = match Command::parse(&args, &env) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("triggers-admin: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (table, settings) = match (env.required("TABLE_NAME"), AwsSettings::from_env(&env)) {
        (Ok(table), Ok(settings)) => (table.to_owned(), settings),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("triggers-admin: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let aws = Aws::load(&settings).await;
    let events = match Events::from_env(&env, &aws) {
        Ok(events) => events,
        Err(err) => {
            eprintln!("triggers-admin: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let ports = Ports {
        store: Arc::new(aws.store(table)),
        directory: Arc::new(aws.directory()),
        clock: Arc::new(SystemClock),
        pace: Arc::new(TokioPace::default()),
        progress: Arc::new(Stderr),
        events,
    };
    let outcome = triggers_admin::run(&command, &ports).await;
    println!("{}", outcome.report);
    ExitCode::from(outcome.status.exit_code())
}
