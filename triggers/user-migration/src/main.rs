#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(user_migration::UserMigration::init).await
}
