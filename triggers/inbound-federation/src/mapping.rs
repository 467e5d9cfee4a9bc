//! The decision: from what the provider asserted and the provider's mapping, the attributes
//! Cognito writes to the federated user. A plain function of the request, the mapping and
//! whether the provider is trusted; every value it cuts or refuses comes back as a [`Note`]
//! (the trigger logs the attribute and the reason, never the value).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use trigger_core::email::Email;
use trigger_core::events::{InboundFederationRequest, ProviderType};

use crate::settings::{Kind, ProviderMapping, Rule};

/// Cognito's limit for a string attribute's value, in characters (standard and custom).
pub const MAX_VALUE_CHARS: usize = 2048;

/// Why a value was not written as the provider sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Longer than [`MAX_VALUE_CHARS`], and a cut value would be wrong (an address, a link).
    TooLong,
    /// Control characters in an address, number, link or flag.
    ControlCharacters,
    NotAnEmail,
    NotAPhoneNumber,
    NotABoolean,
    /// Several values where the attribute holds one (and the rule is not a groups rule).
    MultiValued,
    /// `email_verified` / `phone_number_verified` from a provider not in `LINK_TRUSTED_PROVIDERS`.
    UntrustedProvider,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooLong => "too_long",
            Self::ControlCharacters => "control_characters",
            Self::NotAnEmail => "not_an_email",
            Self::NotAPhoneNumber => "not_a_phone_number",
            Self::NotABoolean => "not_a_boolean",
            Self::MultiValued => "multi_valued",
            Self::UntrustedProvider => "untrusted_provider",
        }
    }
}

/// What happened to one attribute's value on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Left out of the answer.
    Refused(Why),
    /// Cut to [`MAX_VALUE_CHARS`] characters.
    Cut { chars: usize },
    /// Control characters replaced by spaces.
    ControlCharactersReplaced,
    /// Groups that did not fit in the limit were left out (the first ones are kept).
    GroupsDropped { kept: usize, dropped: usize },
}

impl Change {
    /// The metric counted for it.
    pub fn metric(self) -> &'static str {
        match self {
            Self::Refused(Why::UntrustedProvider) => "VerifiedClaimUntrusted",
            Self::Refused(_) => "AttributeRefused",
            Self::Cut { .. } => "AttributeCut",
            Self::ControlCharactersReplaced => "ControlCharactersReplaced",
            Self::GroupsDropped { .. } => "GroupsDropped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub attribute: String,
    pub change: Change,
}

/// The answer for one sign-in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapped {
    /// `userAttributesToMap`.
    pub attributes: BTreeMap<String, String>,
    pub notes: Vec<Note>,
}

/// Where the provider's claims are, in the order they are looked in: the SAML assertion for
/// SAML; the ID token's claims, then the userInfo answer, for OIDC and social providers (a type
/// this build does not know: all three). `tokenResponse` is never read: it holds the tokens.
pub fn claim_sources(request: &InboundFederationRequest) -> Vec<&Map<String, Value>> {
    let a = &request.attributes;
    let parts = match request.provider_type {
        ProviderType::Saml => vec![&a.saml_response],
        ProviderType::Unknown(_) => vec![&a.id_token, &a.user_info, &a.saml_response],
        _ => vec![&a.id_token, &a.user_info],
    };
    parts.into_iter().flatten().collect()
}

/// The first of the rule's claims that any source has (not null).
fn claim<'a>(sources: &[&'a Map<String, Value>], rule: &Rule) -> Option<&'a Value> {
    rule.claims.iter().find_map(|name| sources.iter().find_map(|source| source.get(name).filter(|v| !v.is_null())))
}

pub fn map(request: &InboundFederationRequest, mapping: &ProviderMapping, trusted: bool) -> Mapped {
    let sources = claim_sources(request);
    let mut mapped = Mapped::default();
    for rule in &mapping.rules {
        let Some(value) = claim(&sources, rule) else { continue };
        let mut note = |change| mapped.notes.push(Note { attribute: rule.attribute.clone(), change });
        let shaped = match rule.kind {
            Kind::Groups => groups(value, &mut note),
            Kind::Verified if !trusted => Err(Why::UntrustedProvider),
            kind => single(value).and_then(|text| match text {
                None => Ok(None),
                Some(text) => shape(kind, &text, &mut note),
            }),
        };
        match shaped {
            Ok(Some(text)) => {
                mapped.attributes.insert(rule.attribute.clone(), text);
            }
            Ok(None) => {}
            Err(why) => note(Change::Refused(why)),
        }
    }
    mapped
}

/// One value as text: strings as they are, numbers and booleans written out, an object (the OIDC
/// `address` claim) as compact JSON; a list of one value is that value.
fn single(value: &Value) -> Result<Option<String>, Why> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        Value::Bool(_) | Value::Number(_) | Value::Object(_) => Ok(Some(value.to_string())),
        Value::Array(items) => match items.as_slice() {
            [] => Ok(None),
            [one] if !one.is_array() => single(one),
            _ => Err(Why::MultiValued),
        },
    }
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn shape(kind: Kind, text: &str, note: &mut impl FnMut(Change)) -> Result<Option<String>, Why> {
    match kind {
        Kind::Email => {
            if has_control(text) {
                return Err(Why::ControlCharacters);
            }
            if text.chars().count() > MAX_VALUE_CHARS {
                return Err(Why::TooLong);
            }
            Email::parse(text).map(|email| Some(email.address().to_owned())).ok_or(Why::NotAnEmail)
        }
        Kind::Phone => {
            if has_control(text) {
                return Err(Why::ControlCharacters);
            }
            let number: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
            let digits = number.strip_prefix('+').unwrap_or_default();
            let e164 = (1..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
            if e164 { Ok(Some(number)) } else { Err(Why::NotAPhoneNumber) }
        }
        Kind::Verified => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some("true".into())),
            "false" => Ok(Some("false".into())),
            _ if has_control(text) => Err(Why::ControlCharacters),
            _ => Err(Why::NotABoolean),
        },
        Kind::Link => {
            if has_control(text) {
                return Err(Why::ControlCharacters);
            }
            if text.chars().count() > MAX_VALUE_CHARS {
                return Err(Why::TooLong);
            }
            Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
        }
        Kind::Text | Kind::Groups => Ok(clean_text(text, note)),
    }
}

/// Control characters become spaces, the ends are trimmed, and what is over the limit is cut.
fn clean_text(text: &str, note: &mut impl FnMut(Change)) -> Option<String> {
    let mut cleaned = text.to_owned();
    if has_control(text) {
        cleaned = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        note(Change::ControlCharactersReplaced);
    }
    let trimmed = cleaned.trim();
    let chars = trimmed.chars().count();
    if chars > MAX_VALUE_CHARS {
        note(Change::Cut { chars });
        return Some(trimmed.chars().take(MAX_VALUE_CHARS).collect::<String>().trim_end().to_owned());
    }
    Some(trimmed.to_owned()).filter(|t| !t.is_empty())
}

/// The group names a claim carries: a JSON list; a string holding a JSON list; Cognito's
/// written form of a multi-valued SAML attribute, `[a, b]`; or a comma-separated string.
fn group_names(value: &Value) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        Value::String(text) => {
            let text = text.trim();
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) {
                return items.iter().filter_map(scalar).collect();
            }
            let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
            inner.split(',').map(str::to_owned).collect()
        }
        other => scalar(other).into_iter().collect(),
    }
}

/// Groups as a JSON array of names (unambiguous even for names with commas, such as LDAP DNs),
/// each cleaned like text, duplicates dropped, as many as fit in [`MAX_VALUE_CHARS`] in the
/// provider's order.
fn groups(value: &Value, note: &mut impl FnMut(Change)) -> Result<Option<String>, Why> {
    let mut replaced = false;
    let mut names: Vec<String> = Vec::new();
    for raw in group_names(value) {
        let name = if has_control(&raw) {
            replaced = true;
            raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>()
        } else {
            raw
        };
        let name = name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    if replaced {
        note(Change::ControlCharactersReplaced);
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut length = 2; // the brackets
    for name in &names {
        let encoded = Value::String(name.clone()).to_string().chars().count();
        let with = length + encoded + usize::from(!kept.is_empty());
        if with > MAX_VALUE_CHARS {
            break;
        }
        length = with;
        kept.push(name);
    }
    if kept.len() < names.len() {
        note(Change::GroupsDropped { kept: kept.len(), dropped: names.len() - kept.len() });
    }
    if kept.is_empty() {
        return if names.is_empty() { Ok(None) } else { Err(Why::TooLong) };
    }
    Ok(Some(Value::from(kept).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(value: &Value, kind: Kind) -> (Result<Option<String>, Why>, Vec<Change>) {
        let mut seen = Vec::new();
        let result = match kind {
            Kind::Groups => groups(value, &mut |c| seen.push(c)),
            kind => single(value).and_then(|t| match t {
                Some(t) => shape(kind, &t, &mut |c| seen.push(c)),
                None => Ok(None),
            }),
        };
        (result, seen)
    }

    #[test]
    fn emails_are_normalised_and_what_is_not_an_address_is_refused() {
        assert_eq!(changes(&json!("  Jane.Doe@Example.COM "), Kind::Email).0, Ok(Some("jane.doe@example.com".into())));
        assert_eq!(changes(&json!("jane"), Kind::Email).0, Err(Why::NotAnEmail));
        assert_eq!(changes(&json!("jane@example.com\u{0}x"), Kind::Email).0, Err(Why::ControlCharacters));
        let long = format!("{}@example.com", "a".repeat(MAX_VALUE_CHARS));
        assert_eq!(changes(&json!(long), Kind::Email).0, Err(Why::TooLong), "an address is never cut");
        assert_eq!(changes(&json!(["jane@example.com"]), Kind::Email).0, Ok(Some("jane@example.com".into())));
        assert_eq!(changes(&json!(["a@example.com", "b@example.com"]), Kind::Email).0, Err(Why::MultiValued));
    }

    #[test]
    fn phone_numbers_become_e164_or_are_refused() {
        assert_eq!(changes(&json!("+1 (415) 555-0100"), Kind::Phone).0, Ok(Some("+14155550100".into())));
        for bad in ["4155550100", "+1 415 CALL ME", "+1234567890123456", "+1\n4155550100"] {
            assert!(changes(&json!(bad), Kind::Phone).0.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn verified_flags_are_booleans_written_as_cognito_reads_them() {
        assert_eq!(changes(&json!(true), Kind::Verified).0, Ok(Some("true".into())));
        assert_eq!(changes(&json!("False"), Kind::Verified).0, Ok(Some("false".into())));
        assert_eq!(changes(&json!("yes"), Kind::Verified).0, Err(Why::NotABoolean));
    }

    #[test]
    fn text_is_cut_at_the_limit_and_control_characters_become_spaces() {
        let long = "é".repeat(MAX_VALUE_CHARS + 10);
        let (result, seen) = changes(&json!(long), Kind::Text);
        assert_eq!(result.unwrap().unwrap().chars().count(), MAX_VALUE_CHARS, "characters, not bytes");
        assert_eq!(seen, [Change::Cut { chars: MAX_VALUE_CHARS + 10 }]);
        let (result, seen) = changes(&json!("Jane\r\nDoe\u{7}\u{1b}[31m"), Kind::Text);
        assert_eq!(result, Ok(Some("Jane  Doe  [31m".into())));
        assert_eq!(seen, [Change::ControlCharactersReplaced]);
        assert_eq!(changes(&json!(" \t "), Kind::Text).0, Ok(None), "nothing left: left out");
        assert_eq!(changes(&json!({"country": "DE"}), Kind::Text).0, Ok(Some(r#"{"country":"DE"}"#.into())));
        assert_eq!(changes(&json!(42), Kind::Text).0, Ok(Some("42".into())));
    }

    #[test]
    fn links_over_the_limit_are_refused_not_cut() {
        let long = format!("https://example.com/{}", "p".repeat(MAX_VALUE_CHARS));
        assert_eq!(changes(&json!(long), Kind::Link).0, Err(Why::TooLong));
        assert_eq!(
            changes(&json!("https://example.com/p.png"), Kind::Link).0,
            Ok(Some("https://example.com/p.png".into()))
        );
    }

    #[test]
    fn groups_arrive_in_every_written_form_and_leave_as_one_json_list() {
        let expected = Ok(Some(r#"["admins","CN=Ops,OU=Groups"]"#.to_owned()));
        assert_eq!(changes(&json!(["admins", "CN=Ops,OU=Groups", "admins"]), Kind::Groups).0, expected);
        assert_eq!(changes(&json!(r#"["admins","CN=Ops,OU=Groups"]"#), Kind::Groups).0, expected);
        assert_eq!(changes(&json!("[admins, editors]"), Kind::Groups).0, Ok(Some(r#"["admins","editors"]"#.into())));
        assert_eq!(changes(&json!("admins,editors"), Kind::Groups).0, Ok(Some(r#"["admins","editors"]"#.into())));
        assert_eq!(changes(&json!([]), Kind::Groups).0, Ok(None));
    }

    #[test]
    fn groups_past_the_limit_are_dropped_whole_and_counted() {
        let many: Vec<String> = (0..500).map(|n| format!("group-{n:04}")).collect();
        let (result, seen) = changes(&json!(many), Kind::Groups);
        let text = result.unwrap().unwrap();
        assert!(text.chars().count() <= MAX_VALUE_CHARS, "{}", text.len());
        let kept: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(kept[..], many[..kept.len()], "the first groups, in the provider's order");
        assert_eq!(seen, [Change::GroupsDropped { kept: kept.len(), dropped: 500 - kept.len() }]);
        let one_huge = json!(["x".repeat(MAX_VALUE_CHARS)]);
        assert_eq!(changes(&one_huge, Kind::Groups).0, Err(Why::TooLong));
    }
}
