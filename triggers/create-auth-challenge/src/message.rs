//! What the person sees: the e-mail with the code, and the texts of a refused create (Cognito
//! shows them as "CreateAuthChallenge failed with error <text>.", adding the period itself).
//! None says whether the account exists: an unknown name is limited exactly like a real one.

use std::collections::HashMap;

use message_catalogue::{Catalogue, Message, MessageKind, RenderError, Slot, Values};
use trigger_core::UserMessage;
use trigger_core::logging::Secret;

/// The send limit is reached; the wait is rounded up to whole minutes.
pub fn limited(seconds: i64) -> UserMessage {
    let minutes = (seconds.max(1) + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    UserMessage::composed(format!("Too many sign-in codes were requested. Try again in {minutes} {unit}"))
}

/// The public challenge parameters: the same for every user name, known or not, with an address
/// or without (a masked address would tell which names have accounts).
pub fn public_parameters(code_length: usize) -> HashMap<String, String> {
    HashMap::from([("method".to_owned(), "EMAIL_CODE".to_owned()), ("codeLength".to_owned(), code_length.to_string())])
}

/// The sign-in-code message in the user's language: the `locale` attribute, then
/// `clientMetadata.locale`, then the catalogue's default (custom-message's rule).
pub fn render(
    catalogue: &Catalogue,
    attributes: &HashMap<String, String>,
    client_metadata: &HashMap<String, String>,
    code: &Secret<String>,
) -> Result<Message, RenderError> {
    let attribute = |name: &str| attributes.get(name).map(String::as_str).filter(|v| !v.trim().is_empty());
    let locale = catalogue.locale_for([attribute("locale"), client_metadata.get("locale").map(String::as_str)]);
    let values = Values {
        code: Some(Slot::Text(code.expose().clone())),
        username: None,
        link: None,
        name: attribute("given_name").or_else(|| attribute("name")).map(str::to_owned),
        email: attribute("email").map(str::to_owned),
        notice: None,
    };
    catalogue.render(locale, MessageKind::SignInCode, &values)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_text_a_person_sees_is_fit_for_cognito() {
        for seconds in [0, 1, 60, 61, 900, 3600] {
            assert!(trigger_core::is_fit_for_cognito(limited(seconds).as_str()), "{seconds}");
        }
        assert_eq!(limited(900).as_str(), "Too many sign-in codes were requested. Try again in 15 minutes");
        assert_eq!(limited(30).as_str(), "Too many sign-in codes were requested. Try again in 1 minute");
    }

    #[test]
    fn the_message_carries_the_code_in_the_users_language() {
        let catalogue = Catalogue::builtin("en").unwrap();
        let code = Secret::new("482913".to_owned());
        let attributes =
            HashMap::from([("locale".to_owned(), "de-AT".to_owned()), ("given_name".to_owned(), "Jo".to_owned())]);
        let message = render(&catalogue, &attributes, &HashMap::new(), &code).unwrap();
        assert_eq!(message.locale, "de");
        assert!(message.text.contains("482913") && message.html.contains("482913"));
        let by_metadata = HashMap::from([("locale".to_owned(), "pt-BR".to_owned())]);
        assert_eq!(render(&catalogue, &HashMap::new(), &by_metadata, &code).unwrap().locale, "pt");
        assert_eq!(render(&catalogue, &HashMap::new(), &HashMap::new(), &code).unwrap().locale, "en");
    }
}
