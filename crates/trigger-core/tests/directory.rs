//! The Cognito user-directory adapter: against moto's Cognito (ListUsers filters, pagination,
//! get/update/delete/group), and against a replay of the documented AdminLinkProviderForUser
//! exchange, which no local stand-in implements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use serde_json::json;
use trigger_core::aws::CognitoDirectory;
use trigger_core::ports::{
    DeleteOutcome, LinkOutcome, PortErrorKind, ProviderUser, SearchableAttribute, UserDirectory,
};
use trigger_core::testing::{ReplayEndpoint, local_aws, unique};

fn replay_directory(endpoint: &ReplayEndpoint) -> CognitoDirectory {
    endpoint.directory()
}

fn google(id: &str) -> ProviderUser {
    ProviderUser { provider_name: "Google".into(), provider_user_id: id.into() }
}

#[tokio::test]
async fn link_sends_the_documented_request_and_reports_linked() {
    let endpoint = ReplayEndpoint::start(vec![(200, json!({}))]).unwrap();
    let outcome = replay_directory(&endpoint).link_provider("us-east-1_X", "jane", &google("1089")).await.unwrap();
    assert_eq!(outcome, LinkOutcome::Linked);
    let [request] = endpoint.recorded().try_into().unwrap();
    assert_eq!(request.target, "AWSCognitoIdentityProviderService.AdminLinkProviderForUser");
    assert_eq!(
        request.body,
        json!({
            "UserPoolId": "us-east-1_X",
            "DestinationUser": { "ProviderName": "Cognito", "ProviderAttributeValue": "jane" },
            "SourceUser": { "ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1089" }
        })
    );
}

#[tokio::test]
async fn a_repeated_link_is_recognised_from_the_users_identities_not_the_message() {
    let already = json!({ "__type": "InvalidParameterException", "message": "Merging is not currently supported" });
    let user = json!({
        "Username": "jane", "UserStatus": "CONFIRMED", "Enabled": true,
        "UserAttributes": [
            { "Name": "sub", "Value": "s-1" },
            { "Name": "identities", "Value": "[{\"userId\":\"1089\",\"providerName\":\"Google\",\"providerType\":\"Google\",\"primary\":false}]" }
        ]
    });
    let endpoint = ReplayEndpoint::start(vec![(400, already.clone()), (200, user.clone())]).unwrap();
    let outcome = replay_directory(&endpoint).link_provider("us-east-1_X", "jane", &google("1089")).await.unwrap();
    assert_eq!(outcome, LinkOutcome::AlreadyLinked);
    let targets: Vec<String> = endpoint.recorded().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "AWSCognitoIdentityProviderService.AdminLinkProviderForUser",
            "AWSCognitoIdentityProviderService.AdminGetUser"
        ]
    );

    // The same refusal for an identity the user does not have is a real error.
    let endpoint = ReplayEndpoint::start(vec![(400, already), (200, user)]).unwrap();
    let err = replay_directory(&endpoint).link_provider("us-east-1_X", "jane", &google("9999")).await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Rejected);
    assert_eq!(err.operation, "AdminLinkProviderForUser");
}

#[tokio::test]
async fn throttling_and_server_errors_are_typed() {
    let endpoint = ReplayEndpoint::start(vec![
        (400, json!({ "__type": "TooManyRequestsException", "message": "Rate exceeded" })),
        (400, json!({ "__type": "TooManyRequestsException", "message": "Rate exceeded" })),
        (400, json!({ "__type": "TooManyRequestsException", "message": "Rate exceeded" })),
    ])
    .unwrap();
    let err = replay_directory(&endpoint).get_user("us-east-1_X", "jane").await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Throttled, "{err}");
    let endpoint = ReplayEndpoint::start(vec![(500, json!({ "__type": "InternalErrorException" })); 3]).unwrap();
    let err = replay_directory(&endpoint).get_user("us-east-1_X", "jane").await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Unavailable, "{err}");
}

/// A fresh pool in moto with the given users (user name, e-mail).
async fn moto_pool(client: &Client, users: &[(&str, &str)]) -> String {
    let pool = client.create_user_pool().pool_name(unique("dir")).send().await.unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    for (username, email) in users {
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(*username)
            .user_attributes(AttributeType::builder().name("email").value(*email).build().unwrap())
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    pool_id
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn list_users_filter_finds_exact_matches_and_crafted_input_matches_nobody() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let pool =
        moto_pool(&client, &[("alice", "alice@example.com"), ("victim", "x@y.com"), ("bs", r"back\slash@example.com")])
            .await;
    let directory = aws.directory();

    let found = directory.find_by_attribute(&pool, SearchableAttribute::Email, "alice@example.com").await.unwrap();
    assert_eq!(found.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["alice"]);
    assert_eq!(found[0].attribute("email"), Some("alice@example.com"));

    for crafted in [r#"x@y.com" OR 1"#, r#"x@y.com" or email ^= "x"#, r#"""#, r"\", r#"x@y.com\"#] {
        let found = directory.find_by_attribute(&pool, SearchableAttribute::Email, crafted).await.unwrap();
        assert!(found.is_empty(), "{crafted:?} matched {found:?}");
    }
    let found = directory.find_by_attribute(&pool, SearchableAttribute::Username, "victim").await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        directory.find_by_attribute(&pool, SearchableAttribute::Email, "nobody@example.com").await.unwrap().is_empty()
    );
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn list_users_follows_pagination_tokens() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let users: Vec<(String, String)> =
        (0..65).map(|i| (format!("shared-{i:02}"), "shared@example.com".to_owned())).collect();
    let borrowed: Vec<(&str, &str)> = users.iter().map(|(u, e)| (u.as_str(), e.as_str())).collect();
    let pool = moto_pool(&client, &borrowed).await;
    let found =
        aws.directory().find_by_attribute(&pool, SearchableAttribute::Email, "shared@example.com").await.unwrap();
    assert_eq!(found.len(), 65, "one page holds 60: the second page must be read");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn get_update_group_and_delete_a_user() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let pool = moto_pool(&client, &[("carol", "carol@example.com")]).await;
    client.create_group().user_pool_id(&pool).group_name("members").send().await.unwrap();
    let directory = aws.directory();

    let carol = directory.get_user(&pool, "carol").await.unwrap().expect("carol exists");
    assert!(carol.sub().is_some());
    assert!(directory.get_user(&pool, "nobody").await.unwrap().is_none());

    directory.update_attributes(&pool, "carol", &[("name".into(), "Carol C".into())]).await.unwrap();
    let carol = directory.get_user(&pool, "carol").await.unwrap().unwrap();
    assert_eq!(carol.attribute("name"), Some("Carol C"));

    directory.add_to_group(&pool, "carol", "members").await.unwrap();
    let groups = client.admin_list_groups_for_user().user_pool_id(&pool).username("carol").send().await.unwrap();
    assert_eq!(groups.groups().iter().filter_map(|g| g.group_name()).collect::<Vec<_>>(), ["members"]);

    assert_eq!(directory.delete_user(&pool, "carol").await.unwrap(), DeleteOutcome::Deleted);
    assert_eq!(directory.delete_user(&pool, "carol").await.unwrap(), DeleteOutcome::NotFound);
}

/// Pages through every user of a pool of 65 with `list_users_page`: what backfill relies on.
async fn pages_through(directory: &dyn UserDirectory, pool: &str) {
    let first = directory.list_users_page(pool, None, 60).await.unwrap();
    assert_eq!(first.users.len(), 60);
    let token = first.next_token.clone().expect("a second page");
    let second = directory.list_users_page(pool, Some(&token), 60).await.unwrap();
    assert_eq!(second.users.len(), 5);
    assert_eq!(second.next_token, None, "the last page has no token");
    let mut names: Vec<String> = first.users.iter().chain(&second.users).map(|u| u.username.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 65, "every user once");
    let again = directory.list_users_page(pool, Some(&token), 60).await.unwrap();
    assert_eq!(again.users, second.users, "a token read twice gives the same page (resume)");
    let small = directory.list_users_page(pool, None, 7).await.unwrap();
    assert_eq!(small.users.len(), 7);
    assert!(small.users.iter().all(|u| u.attribute("email").is_some() && u.sub().is_some()));
}

#[tokio::test]
async fn the_fake_pages_like_list_users() {
    let users = (0..65)
        .map(|i| trigger_core::ports::DirectoryUser {
            username: format!("paged-{i:02}"),
            status: trigger_core::ports::UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes: [("email", format!("p{i}@example.com")), ("sub", format!("s-{i}"))]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        })
        .collect();
    pages_through(&trigger_core::fakes::FakeDirectory::with_users(users), "us-east-1_X").await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn list_users_page_walks_the_whole_pool() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let users: Vec<(String, String)> =
        (0..65).map(|i| (format!("paged-{i:02}"), format!("p{i}@example.com"))).collect();
    let borrowed: Vec<(&str, &str)> = users.iter().map(|(u, e)| (u.as_str(), e.as_str())).collect();
    let pool = moto_pool(&client, &borrowed).await;
    pages_through(&aws.directory(), &pool).await;
    assert_eq!(aws.directory().estimated_user_count(&pool).await.unwrap(), Some(65));
}

#[tokio::test]
async fn list_users_page_sends_no_filter_and_the_token_and_types_throttling() {
    let endpoint = ReplayEndpoint::start(vec![
        (200, json!({ "Users": [{ "Username": "a", "UserStatus": "CONFIRMED", "Enabled": true, "Attributes": [] }], "PaginationToken": "t2" })),
        (400, json!({ "__type": "TooManyRequestsException", "message": "Too many requests" })),
        (400, json!({ "__type": "TooManyRequestsException", "message": "Too many requests" })),
        (400, json!({ "__type": "TooManyRequestsException", "message": "Too many requests" })),
    ])
    .unwrap();
    let directory = replay_directory(&endpoint);
    let page = directory.list_users_page("us-east-1_X", Some("t1"), 500).await.unwrap();
    assert_eq!(page.users.len(), 1);
    assert_eq!(page.next_token.as_deref(), Some("t2"));
    let err = directory.list_users_page("us-east-1_X", Some("t2"), 60).await.unwrap_err();
    assert_eq!((err.kind, err.operation), (PortErrorKind::Throttled, "ListUsers"), "{err}");
    let first = &endpoint.recorded()[0];
    assert_eq!(first.target, "AWSCognitoIdentityProviderService.ListUsers");
    assert_eq!(first.body, json!({ "UserPoolId": "us-east-1_X", "Limit": 60, "PaginationToken": "t1" }));
}
