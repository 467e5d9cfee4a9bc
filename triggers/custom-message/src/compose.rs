//! The decision: which message, in which language, filled with what — plain functions of the
//! event and the catalogue.

use message_catalogue::{Catalogue, Message, MessageKind, RenderError, Slot, Values};
use trigger_core::events::{CustomMessageEvent, CustomMessageRequest, CustomMessageResponse, CustomMessageSource};

/// The kind of message each source asks for; `None` for a source this build does not know.
pub fn kind(source: &CustomMessageSource) -> Option<MessageKind> {
    Some(match source {
        CustomMessageSource::SignUp => MessageKind::SignUp,
        CustomMessageSource::AdminCreateUser => MessageKind::AdminInvitation,
        CustomMessageSource::ResendCode => MessageKind::ResendCode,
        CustomMessageSource::ForgotPassword => MessageKind::ForgotPassword,
        CustomMessageSource::UpdateUserAttribute => MessageKind::UpdateAttribute,
        CustomMessageSource::VerifyUserAttribute => MessageKind::VerifyAttribute,
        CustomMessageSource::Authentication => MessageKind::SignInCode,
        CustomMessageSource::Unknown(_) => return None,
    })
}

fn placeholder(text: Option<&String>) -> Option<Slot> {
    text.filter(|t| !t.trim().is_empty()).map(|t| Slot::Placeholder(t.clone()))
}

/// The locale to write in: the user's `locale` attribute, then `clientMetadata.locale`, then the
/// catalogue's default (each with its language fallback: `pt-BR` → `pt`).
pub fn locale<'a>(catalogue: &'a Catalogue, request: &CustomMessageRequest) -> &'a str {
    catalogue.locale_for([request.attribute("locale"), request.client_metadata.get("locale").map(String::as_str)])
}

/// What the templates are filled with. The code, user-name and link placeholders come from the
/// request and reach Cognito verbatim; the name and e-mail are the user's own text.
pub fn values(event: &CustomMessageEvent, by_link: bool) -> Values {
    let request = &event.request;
    let username = placeholder(request.username_parameter.as_ref())
        .or_else(|| (!event.user_name.is_empty()).then(|| Slot::Text(event.user_name.clone())));
    Values {
        code: placeholder(request.code_parameter.as_ref()),
        username,
        link: placeholder(request.link_parameter.as_ref()).filter(|_| by_link),
        name: request.attribute("given_name").or_else(|| request.attribute("name")).map(str::to_owned),
        email: request.attribute("email").map(str::to_owned),
        notice: None,
    }
}

/// The message for this event; `Ok(None)` for a source this build does not know.
pub fn compose(
    catalogue: &Catalogue,
    event: &CustomMessageEvent,
    by_link: bool,
) -> Result<Option<Message>, RenderError> {
    let Some(kind) = kind(&event.trigger_source) else { return Ok(None) };
    let locale = locale(catalogue, &event.request);
    catalogue.render(locale, kind, &values(event, by_link)).map(Some)
}

/// Sets the three fields Cognito reads, and nothing else. `emailMessage` is the HTML body
/// (Cognito sends it as HTML); the text body is for the custom e-mail sender.
pub fn apply(response: &mut CustomMessageResponse, message: Message) {
    response.email_subject = Some(message.subject);
    response.email_message = Some(message.html);
    response.sms_message = Some(message.sms);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_source_has_a_kind_and_unknown_ones_none() {
        let kinds: Vec<_> = CustomMessageSource::KNOWN.iter().map(|s| kind(&CustomMessageSource::from(*s))).collect();
        assert_eq!(kinds.iter().flatten().count(), 7);
        assert_eq!(kind(&CustomMessageSource::from("CustomMessage_Passkey")), None);
    }

    fn event(source: &str, request: serde_json::Value) -> CustomMessageEvent {
        serde_json::from_value(serde_json::json!({
            "triggerSource": source, "userPoolId": "p", "userName": "jane", "request": request
        }))
        .unwrap()
    }

    #[test]
    fn placeholders_come_from_the_request_and_the_user_name_from_the_event_otherwise() {
        let admin = event(
            "CustomMessage_AdminCreateUser",
            serde_json::json!({ "codeParameter": "{####}", "usernameParameter": "{username}",
                                "userAttributes": { "name": "Jane Roe", "given_name": " " } }),
        );
        let filled = values(&admin, false);
        assert_eq!(filled.code, Some(Slot::Placeholder("{####}".into())));
        assert_eq!(filled.username, Some(Slot::Placeholder("{username}".into())));
        assert_eq!(filled.name.as_deref(), Some("Jane Roe"), "a blank given_name falls back to name");
        let sign_up = event(
            "CustomMessage_SignUp",
            serde_json::json!({ "codeParameter": "{####}", "usernameParameter": null,
                                "linkParameter": "{##Verify##}", "userAttributes": { "given_name": "Jane" } }),
        );
        assert_eq!(values(&sign_up, false).username, Some(Slot::Text("jane".into())));
        assert_eq!(values(&sign_up, false).link, None, "the link only when the pool verifies by link");
        assert_eq!(values(&sign_up, true).link, Some(Slot::Placeholder("{##Verify##}".into())));
        assert_eq!(values(&sign_up, true).name.as_deref(), Some("Jane"));
    }
}
