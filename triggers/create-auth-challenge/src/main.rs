#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(create_auth_challenge::CreateAuthChallenge::init).await
}
