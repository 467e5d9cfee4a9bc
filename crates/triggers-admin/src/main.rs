//! `triggers-admin unlock|show <user-pool-id> <username>`: wiring only; see lib.rs.

use std::process::ExitCode;

use trigger_core::Env;
use trigger_core::aws::{Aws, AwsSettings};
use trigger_core::ports::SystemClock;
use triggers_admin::{Command, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("triggers-admin: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let env = Env::from_process();
    let (table, settings) = match (env.required("TABLE_NAME"), AwsSettings::from_env(&env)) {
        (Ok(table), Ok(settings)) => (table.to_owned(), settings),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("triggers-admin: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let aws = Aws::load(&settings).await;
    match triggers_admin::run(&command, &aws.store(table), &aws.directory(), &SystemClock).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("triggers-admin: {err}");
            ExitCode::FAILURE
        }
    }
}
