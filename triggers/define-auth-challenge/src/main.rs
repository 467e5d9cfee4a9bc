#[tokio::main]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(define_auth_challenge::DefineAuthChallenge::init).await
}
