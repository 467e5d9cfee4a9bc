#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(signup_reminder::SignupReminder::init).await
}
