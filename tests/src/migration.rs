//! The legacy password table user-migration reads locally (`cognito-triggers-legacy-local`, made by
//! `local/provision.py`, named in `local/functions.env`): rows for the tests and the demo.

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;

pub const LEGACY_TABLE: &str = "cognito-triggers-legacy-local";
/// The password of [`LEGACY_HASH`].
pub const LEGACY_PASSWORD: &str = "Legacy-Passw0rd!";
/// `python bcrypt` 5.0.0 `hashpw(b"Legacy-Passw0rd!", gensalt(5, b"2b"))`, as in
/// `crates/legacy-passwords/tests/fixtures/vectors.json`.
pub const LEGACY_HASH: &str = "$2b$05$akS7t0VAPLNSVyNffg5B0.D/tfMw0UV7toi.pWFiagSVXEsN05Lj.";

async fn client() -> aws_sdk_dynamodb::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "e2e"))
        .endpoint_url(endpoint)
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// A user of the old system: its row keyed by the lower-cased address, with a verified e-mail.
pub async fn put_legacy_user(email: &str, name: &str) -> Result<(), Error> {
    let attributes = AttributeValue::M(
        [
            ("email".to_owned(), AttributeValue::S(email.to_owned())),
            ("email_verified".to_owned(), AttributeValue::S("true".to_owned())),
            ("name".to_owned(), AttributeValue::S(name.to_owned())),
        ]
        .into(),
    );
    client()
        .await
        .put_item()
        .table_name(LEGACY_TABLE)
        .item("username", AttributeValue::S(email.to_lowercase()))
        .item("passwordHash", AttributeValue::S(LEGACY_HASH.to_owned()))
        .item("attributes", attributes)
        .send()
        .await?;
    Ok(())
}

/// A row keyed exactly `username` (as a case-sensitive pool's user types it), with [`LEGACY_HASH`]
/// and these attributes (strings).
pub async fn put_legacy_row(username: &str, attributes: &[(&str, &str)]) -> Result<(), Error> {
    let attributes = AttributeValue::M(
        attributes.iter().map(|(name, value)| ((*name).to_owned(), AttributeValue::S((*value).to_owned()))).collect(),
    );
    client()
        .await
        .put_item()
        .table_name(LEGACY_TABLE)
        .item("username", AttributeValue::S(username.to_owned()))
        .item("passwordHash", AttributeValue::S(LEGACY_HASH.to_owned()))
        .item("attributes", attributes)
        .send()
        .await?;
    Ok(())
}

pub async fn delete_legacy_user(email: &str) -> Result<(), Error> {
    client()
        .await
        .delete_item()
        .table_name(LEGACY_TABLE)
        .key("username", AttributeValue::S(email.to_lowercase()))
        .send()
        .await?;
    Ok(())
}
