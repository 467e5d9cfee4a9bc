#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(define_auth_challenge::DefineAuthChallenge::init).await
}
