//! The account-takeover notice (`*_AccountTakeOverNotification`, Cognito's threat protection).
//!
//! Its `userAttributes` hold the notice, not the user's profile: `EVENT_ID`, `USER_NAME`,
//! `IP_ADDRESS`, `ACCOUNT_TAKE_OVER_ACTION`, `ONE_CLICK_LINK_VALID` / `ONE_CLICK_LINK_INVALID`
//! (the "this was me" / "this wasn't me" feedback links), `LOGIN_TIME`, `FEEDBACK_TOKEN`, and
//! `CITY`, `COUNTRY`, `DEVICE_NAME`, which may be absent or null. `code` is null and there is no
//! `email` (nor `phone_number`): the recipient is read from the directory.
//!
//! The links and the feedback token let whoever holds them tell Cognito that a sign-in was or was
//! not the user: secrets of the user's, never logged (the token is not even read).

use message_catalogue::Notice;
use trigger_core::events::CustomSenderRequest;

/// The attribute naming the risk event: one notice per event.
pub const EVENT_ID: &str = "EVENT_ID";

/// What the notice's templates are filled with. An absent or blank action reads as `NO_ACTION`
/// (claim nothing was done); a feedback link that is not a plain `https://` URL is left out
/// rather than put into a message.
pub fn notice(request: &CustomSenderRequest) -> Notice {
    let text = |name: &str| request.attribute(name).map(|v| v.trim().to_owned());
    let action = text("ACCOUNT_TAKE_OVER_ACTION").map_or_else(|| "NO_ACTION".to_owned(), |a| a.to_ascii_uppercase());
    Notice {
        action,
        login_time: text("LOGIN_TIME"),
        ip_address: text("IP_ADDRESS"),
        city: text("CITY"),
        country: text("COUNTRY"),
        device: text("DEVICE_NAME"),
        link_was_me: feedback_link(request, "ONE_CLICK_LINK_VALID"),
        link_was_not_me: feedback_link(request, "ONE_CLICK_LINK_INVALID"),
    }
}

/// The notice's `EVENT_ID`, when it has one.
pub fn event_id(request: &CustomSenderRequest) -> Option<&str> {
    request.attribute(EVENT_ID).map(str::trim)
}

fn feedback_link(request: &CustomSenderRequest, name: &'static str) -> Option<String> {
    let link = request.attribute(name)?.trim();
    if is_https_url(link) {
        Some(link.to_owned())
    } else {
        // The attribute's name only: the value is the user's secret.
        tracing::warn!(attribute = name, "feedback link left out: not an https URL");
        None
    }
}

/// `https://host…` without whitespace or control characters: what a link in a message may be
/// (no `javascript:`, no line breaks that would split a text body).
fn is_https_url(text: &str) -> bool {
    text.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && text.len() > 8
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(attributes: serde_json::Value) -> CustomSenderRequest {
        serde_json::from_value(json!({ "code": null, "userAttributes": attributes })).unwrap()
    }

    #[test]
    fn reads_what_is_known_and_null_or_blank_is_unknown() {
        let notice = notice(&request(json!({
            "EVENT_ID": " 8b2e ", "ACCOUNT_TAKE_OVER_ACTION": "block", "LOGIN_TIME": "Mon Dec 07 20:40:16 UTC 2026",
            "IP_ADDRESS": "192.0.2.44", "CITY": null, "COUNTRY": "  ", "DEVICE_NAME": true,
            "ONE_CLICK_LINK_VALID": "https://example.com/v?t=1", "ONE_CLICK_LINK_INVALID": "https://example.com/i?t=1",
        })));
        assert_eq!(notice.action, "BLOCK");
        assert_eq!(notice.login_time.as_deref(), Some("Mon Dec 07 20:40:16 UTC 2026"));
        assert_eq!((notice.city, notice.country, notice.device), (None, None, None));
        assert_eq!(notice.link_was_me.as_deref(), Some("https://example.com/v?t=1"));
        assert_eq!(event_id(&request(json!({ "EVENT_ID": " 8b2e " }))), Some("8b2e"));
        assert_eq!(event_id(&request(json!({ "EVENT_ID": null }))), None);
        assert_eq!(super::notice(&request(json!({}))).action, "NO_ACTION");
    }

    #[test]
    fn a_link_that_is_not_plain_https_is_left_out() {
        for bad in [
            "javascript:alert(1)",
            "http://example.com/v",
            "https://",
            "https://example.com/a b",
            "https://x\ny",
            "https://example.com/\u{7}",
        ] {
            let notice = notice(&request(json!({ "ONE_CLICK_LINK_VALID": bad })));
            assert_eq!(notice.link_was_me, None, "{bad:?}");
        }
        assert!(is_https_url("HTTPS://example.com/v?a=1&b=2"));
    }
}
