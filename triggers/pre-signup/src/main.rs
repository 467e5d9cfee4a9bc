#[tokio::main]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(pre_signup::PreSignUp::init).await
}
