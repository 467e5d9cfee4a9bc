#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    trigger_core::runtime::main(custom_sms_sender::CustomSmsSender::init).await
}
