#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(verify_auth_challenge_response::VerifyAuthChallengeResponse::init).await
}
