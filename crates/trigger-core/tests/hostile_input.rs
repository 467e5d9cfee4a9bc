//! Hostile input, property-tested: every event decoder, through the path every binary takes
//! (`runtime::run_within`: parse → handler → serialise), and the log masker, fed arbitrary JSON
//! and strings.
//!
//! - Decoders: no panic on any JSON; a rejection is a `BadEvent` whose text is fit for Cognito and
//!   quotes none of the input's values (events carry passwords and codes); an accepted event
//!   re-encodes to JSON that keeps every field nobody declared, and decodes again to itself.
//! - Masker: no panic on any string; an e-mail address or phone number never comes through,
//!   whatever text surrounds it.
//!
//! Case counts: `PROPTEST_CASES` (see `support/hostile.rs`); `make fuzz` runs a million per target.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

#[path = "support/hostile.rs"]
mod hostile;

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use trigger_core::events::*;
use trigger_core::logging::mask_sensitive;
use trigger_core::runtime::{Trigger, run_within};
use trigger_core::{TriggerError, is_fit_for_cognito};

// ---------------------------------------------------------------------------------------------
// Arbitrary JSON, and JSON shaped like a Cognito event.

/// Text a planted value is made of: long and random enough never to occur in an error message
/// by chance (a field name, an expected type).
const PLANT: &str = "[A-Za-z0-9]{10,16}";

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
    ]
}

/// Arbitrary Unicode text of up to 24 characters (control characters, quotes, backslashes, astral
/// planes); shorter than `any::<String>()`, so that a case is cheap and a million of them run.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

/// Any JSON value, up to a few levels deep. Strings are arbitrary Unicode (control characters,
/// quotes, backslashes, astral planes).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        text().prop_map(Value::String),
        PLANT.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner.clone(), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            // Field names the decoders know, so that nested objects reach their typed fields.
            prop::collection::btree_map(known_key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every field name the event types declare, at any level.
const KNOWN_KEYS: &[&str] = &[
    "version",
    "triggerSource",
    "region",
    "userPoolId",
    "userName",
    "callerContext",
    "awsSdkVersion",
    "clientId",
    "request",
    "response",
    "userAttributes",
    "validationData",
    "clientMetadata",
    "userNotFound",
    "newDeviceUsed",
    "password",
    "codeParameter",
    "linkParameter",
    "usernameParameter",
    "code",
    "type",
    "smsMessage",
    "emailMessage",
    "emailSubject",
    "finalUserStatus",
    "messageAction",
    "desiredDeliveryMediums",
    "forceAliasCreation",
    "enableSMSMFA",
    "autoConfirmUser",
    "autoVerifyEmail",
    "autoVerifyPhone",
    "groupConfiguration",
    "groupsToOverride",
    "iamRolesToOverride",
    "preferredRole",
    "claimsOverrideDetails",
    "claimsAndScopeOverrideDetails",
    "claimsToAddOrOverride",
    "claimsToSuppress",
    "groupOverrideDetails",
    "idTokenGeneration",
    "accessTokenGeneration",
    "scopesToAdd",
    "scopesToSuppress",
    "scopes",
    "providerName",
    "providerType",
    "attributes",
    "tokenResponse",
    "idToken",
    "userInfo",
    "samlResponse",
    "userAttributesToMap",
    "session",
    "challengeName",
    "challengeResult",
    "challengeMetadata",
    "challengeAnswer",
    "privateChallengeParameters",
    "publicChallengeParameters",
    "answerCorrect",
    "issueTokens",
    "failAuthentication",
];

fn known_key() -> impl Strategy<Value = String> {
    prop::sample::select(KNOWN_KEYS).prop_map(str::to_owned)
}

/// Sources of every trigger (and some that no trigger knows).
fn source() -> impl Strategy<Value = Value> {
    let known: Vec<&'static str> = [
        PreSignUpSource::KNOWN,
        PreAuthenticationSource::KNOWN,
        PostAuthenticationSource::KNOWN,
        PostConfirmationSource::KNOWN,
        TokenGenerationSource::KNOWN,
        CustomMessageSource::KNOWN,
        UserMigrationSource::KNOWN,
        CustomEmailSenderSource::KNOWN,
        CustomSmsSenderSource::KNOWN,
        InboundFederationSource::KNOWN,
        DefineAuthChallengeSource::KNOWN,
        CreateAuthChallengeSource::KNOWN,
        VerifyAuthChallengeResponseSource::KNOWN,
    ]
    .concat();
    prop_oneof![
        4 => prop::sample::select(known).prop_map(Value::from),
        1 => any_json(),
    ]
}

/// A string map (`userAttributes`, `clientMetadata`), mostly well-typed, sometimes not.
fn string_map() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::btree_map(text(), text(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())),
        1 => any_json(),
    ]
}

/// A request with the fields some trigger reads, each usually of the right type.
fn request() -> impl Strategy<Value = Value> {
    let fields = prop::collection::btree_map(
        prop::sample::select(&KNOWN_KEYS[10..]).prop_map(str::to_owned),
        prop_oneof![3 => string_map(), 1 => any::<bool>().prop_map(Value::Bool), 2 => any_json()],
        0..6,
    );
    prop_oneof![
        6 => fields.prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => any_json(),
    ]
}

/// Top-level fields no event type declares; the name cannot collide with a declared one.
fn extras() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("x-[a-zA-Z0-9_]{1,8}", any_json(), 0..3).prop_map(|m| m.into_iter().collect())
}

/// JSON shaped like a Cognito event: the header (each field usually of the right type), a
/// request, a response, fields nobody declared, and sometimes a field of the wrong type.
fn event_json() -> impl Strategy<Value = Value> {
    let text_or_any = || prop_oneof![4 => text().prop_map(Value::String), 1 => any_json()];
    (
        prop_oneof![Just(Value::from("1")), Just(Value::from("2")), Just(Value::from("3")), any_json()],
        source(),
        text_or_any(),
        text_or_any(),
        text_or_any(),
        prop_oneof![4 => string_map(), 1 => any_json()],
        request(),
        prop_oneof![2 => Just(Value::Null), 2 => request(), 1 => any_json()],
        extras(),
    )
        .prop_map(|(version, source, region, pool, user, caller, request, response, extras)| {
            let mut event = Map::new();
            for (key, value) in [
                ("version", version),
                ("triggerSource", source),
                ("region", region),
                ("userPoolId", pool),
                ("userName", user),
                ("callerContext", caller),
                ("request", request),
                ("response", response),
            ] {
                event.insert(key.to_owned(), value);
            }
            event.extend(extras);
            Value::Object(event)
        })
}

/// Half arbitrary JSON, half event-shaped.
fn payload() -> impl Strategy<Value = Value> {
    prop_oneof![any_json(), event_json()]
}

// ---------------------------------------------------------------------------------------------
// The decode path every binary takes, with a handler that returns the event untouched.

struct Echo<E>(std::marker::PhantomData<fn() -> E>);

#[async_trait]
impl<E: DeserializeOwned + Serialize + Send + Debug + 'static> Trigger for Echo<E> {
    const NAME: &'static str = "hostile-input";
    type Event = E;
    async fn handle(&self, event: E) -> Result<E, TriggerError> {
        Ok(event)
    }
}

/// Every string value in `value`, at any depth.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn decode_properties<E>(runtime: &tokio::runtime::Runtime, input: Value) -> Result<(), TestCaseError>
where
    E: DeserializeOwned + Serialize + Send + Debug + PartialEq + 'static,
{
    let trigger = Echo::<E>(std::marker::PhantomData);
    match runtime.block_on(run_within(&trigger, Duration::from_secs(1), input.clone())) {
        Ok(output) => {
            // Decodes again, to the same event: nothing is lost or invented on the way out.
            let first: E = serde_json::from_value(input.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let again: E = serde_json::from_value(output.clone())
                .map_err(|e| TestCaseError::fail(format!("re-encoded event does not decode: {e}\n{output:#}")))?;
            prop_assert_eq!(&first, &again);
            // Every field nobody declared comes back unchanged (null ones may be dropped).
            if let (Value::Object(fields), Value::Object(out)) = (&input, &output) {
                for (key, value) in fields.iter().filter(|(k, v)| k.starts_with("x-") && !v.is_null()) {
                    prop_assert_eq!(out.get(key), Some(value), "unknown field {} not kept", key);
                }
            }
            // Debug formatting of any decoded event works (logs use it).
            let _ = format!("{first:?}");
        }
        Err(TriggerError::BadEvent(message)) => {
            let shown = TriggerError::BadEvent(message.clone());
            prop_assert!(!message.trim().is_empty(), "empty rejection");
            prop_assert!(
                is_fit_for_cognito(shown.user_message()),
                "unfit text for Cognito: {:?}",
                shown.user_message()
            );
            let mut values = Vec::new();
            strings(&input, &mut values);
            for value in values.iter().filter(|v| v.chars().count() >= 10) {
                prop_assert!(!message.contains(value.as_str()), "the rejection quotes an input value: {}", message);
            }
        }
        Err(other) => return Err(TestCaseError::fail(format!("not a BadEvent: {other:?}"))),
    }
    Ok(())
}

fn decoder_target<E>(name: &str)
where
    E: DeserializeOwned + Serialize + Send + Debug + PartialEq + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    hostile::check(name, payload(), |input| decode_properties::<E>(&runtime, input));
}

#[test]
fn pre_signup_decoder_survives_hostile_json() {
    decoder_target::<PreSignUpEvent>("decode pre-signup");
}

#[test]
fn pre_authentication_decoder_survives_hostile_json() {
    decoder_target::<PreAuthenticationEvent>("decode pre-authentication");
}

#[test]
fn post_authentication_decoder_survives_hostile_json() {
    decoder_target::<PostAuthenticationEvent>("decode post-authentication");
}

#[test]
fn post_confirmation_decoder_survives_hostile_json() {
    decoder_target::<PostConfirmationEvent>("decode post-confirmation");
}

#[test]
fn pre_token_generation_decoder_survives_hostile_json() {
    decoder_target::<PreTokenGenerationEvent>("decode pre-token-generation");
}

#[test]
fn custom_message_decoder_survives_hostile_json() {
    decoder_target::<CustomMessageEvent>("decode custom-message");
}

#[test]
fn user_migration_decoder_survives_hostile_json() {
    decoder_target::<UserMigrationEvent>("decode user-migration");
}

#[test]
fn custom_email_sender_decoder_survives_hostile_json() {
    decoder_target::<CustomEmailSenderEvent>("decode custom-email-sender");
}

#[test]
fn custom_sms_sender_decoder_survives_hostile_json() {
    decoder_target::<CustomSmsSenderEvent>("decode custom-sms-sender");
}

#[test]
fn inbound_federation_decoder_survives_hostile_json() {
    decoder_target::<InboundFederationEvent>("decode inbound-federation");
}

#[test]
fn define_auth_challenge_decoder_survives_hostile_json() {
    decoder_target::<DefineAuthChallengeEvent>("decode define-auth-challenge");
}

#[test]
fn create_auth_challenge_decoder_survives_hostile_json() {
    decoder_target::<CreateAuthChallengeEvent>("decode create-auth-challenge");
}

#[test]
fn verify_auth_challenge_response_decoder_survives_hostile_json() {
    decoder_target::<VerifyAuthChallengeResponseEvent>("decode verify-auth-challenge-response");
}

/// Raw bytes, not only well-formed JSON: what `serde_json` makes of a body before any decoder.
#[test]
fn any_text_is_rejected_cleanly_or_decoded() {
    hostile::check("decode raw text", any::<String>(), |text| {
        match serde_json::from_str::<PreSignUpEvent>(&text) {
            Ok(event) => {
                serde_json::to_value(&event).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// The masker.

#[test]
fn masker_survives_any_text() {
    hostile::check("mask any text", any::<String>(), |text| {
        let masked = mask_sensitive(&text);
        // Idempotent: a masked line masks to itself (a log line is never masked into something new).
        let again = mask_sensitive(&masked);
        prop_assert_eq!(again.as_ref(), masked.as_ref());
        Ok(())
    });
}

/// An address as people and systems write it: ASCII or internationalised, `@` plain or URL-encoded.
fn email() -> impl Strategy<Value = String> {
    let local = prop_oneof![
        "[a-z0-9][a-z0-9._%+-]{0,20}",
        "[A-Za-z0-9!#$'*+^_`{|}~-]{1,12}",
        "[a-zà-öø-ÿ0-9]{1,10}",
        "[用户名邮件]{1,4}",
    ];
    let domain = prop_oneof![
        "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,2}\\.[a-z]{2,6}",
        "[a-zà-öø-ÿ]{1,8}\\.[a-z]{2,4}",
        "[例子]{1,3}\\.[广告]{2}",
        "xn--[a-z0-9]{4,10}\\.de",
    ];
    let at = prop_oneof![4 => Just("@"), 1 => Just("%40"), 1 => Just("%2540")];
    // A local part that is already masked (`j***@x.io`, `***@x.io`) masks to text that holds it.
    let local = local.prop_filter("not a mask itself", |l: &String| {
        let rest: Vec<char> = l.chars().skip(1).collect();
        l.chars().any(|c| c != '*') && (rest.is_empty() || rest.iter().any(|&c| c != '*'))
    });
    (local, at, domain).prop_map(|(l, a, d)| format!("{l}{a}{d}"))
}

#[test]
fn masker_never_lets_an_email_address_through() {
    hostile::check(
        "mask e-mail in any text",
        (any::<String>(), email(), any::<String>()),
        |(before, address, after)| {
            let line = format!("{before}{address}{after}");
            let masked = mask_sensitive(&line);
            prop_assert!(!masked.contains(&address), "{:?} came through in {:?}", address, masked);
            Ok(())
        },
    );
}

/// A phone number in one of the forms the masker documents, with its digits.
fn phone() -> impl Strategy<Value = String> {
    let separator = prop::sample::select(vec!["", " ", "-", "."]);
    let international = (1u8..=3, 7u8..=12, separator.clone()).prop_flat_map(|(cc, rest, sep)| {
        (prop::collection::vec(0u8..10, usize::from(cc)), prop::collection::vec(0u8..10, usize::from(rest))).prop_map(
            move |(c, r)| {
                let digits = |d: &[u8]| d.iter().map(|d| char::from(b'0' + d)).collect::<String>();
                let rest = digits(&r);
                let (a, b) = rest.split_at(rest.len() / 2);
                format!("+{}{sep}{a}{sep}{b}", digits(&c))
            },
        )
    });
    let nanp = ("[2-9][0-9]{2}", "[0-9]{3}", "[0-9]{4}", prop::sample::select(vec!["-", ".", " "]), any::<bool>())
        .prop_map(
            |(a, b, c, sep, paren)| if paren { format!("({a}) {b}-{c}") } else { format!("{a}{sep}{b}{sep}{c}") },
        );
    prop_oneof![international, nanp]
}

/// What may stand right before or after a phone number: text, then something that ends a token
/// (a digit or letter right against the number makes it part of a larger token — an id, a date —
/// which the masker leaves alone by design; see `logging/mask.rs`).
fn boundary() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![" ", "\"", ":", "=", ",", "[", "]", "<", ">", "\n", "\t", "/", ";", "{", "}", "'"])
}

#[test]
fn masker_never_lets_a_phone_number_through() {
    let line = ("[^0-9]*", boundary(), phone(), boundary(), "[^0-9]*");
    hostile::check("mask phone in any text", line, |(before, open, number, close, after)| {
        let line = format!("{before}{open}{number}{close}{after}");
        let masked = mask_sensitive(&line);
        prop_assert!(!masked.contains(&number), "{:?} came through in {:?}", number, masked);
        // Every digit but the last two is hidden.
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let hidden = &digits[..digits.len() - 2];
        let shown: String = masked.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(!shown.contains(hidden), "digits {:?} came through in {:?}", hidden, masked);
        Ok(())
    });
}
