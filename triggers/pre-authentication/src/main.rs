#[tokio::main]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(pre_authentication::PreAuthentication::init).await
}
