//! SMS texts that fit. An invitation carries a user name the administrator chose (up to 128
//! characters) and a temporary password as long as the pool's policy asks: filled into a
//! sentence it can pass the 140 characters an SMS template may render to. It then gets a shorter
//! form in the same language, never a failure, and the name and password are never cut (a cut
//! password signs nobody in).
//!
//! Length is counted in characters (`chars()`), as Cognito counts its 140. What one SMS segment
//! holds depends on the encoding the carrier picks: 160 characters of the GSM 03.38 alphabet
//! (GSM-7), else 70 UTF-16 units (UCS-2). [`sms_length`] tells which, so that tests can show the
//! short forms' own words stay in GSM-7.

use crate::kind::SMS_LIMIT;

/// How a carrier encodes a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsEncoding {
    /// The GSM 03.38 alphabet: 160 septets in one segment, 153 per part of a longer text.
    Gsm7,
    /// Anything outside it (`á`, `ç` lower-case, emoji): 70 UTF-16 units in one segment, 67 per part.
    Ucs2,
}

/// A text's size on the air.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmsLength {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7, an extension character counts two) or UTF-16 units (UCS-2).
    pub units: usize,
    /// Segments a carrier sends it in.
    pub segments: usize,
}

/// The GSM 03.38 basic alphabet (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table (an escape and the character: two septets each).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// The encoding, units and segments of `text`.
pub fn sms_length(text: &str) -> SmsLength {
    let gsm7: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (encoding, units, single, part) = match gsm7 {
        Some(septets) => (SmsEncoding::Gsm7, septets, 160, 153),
        None => (SmsEncoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let segments = if units <= single { 1 } else { units.div_ceil(part) };
    SmsLength { encoding, units, segments }
}

/// The labels of the labelled short form in a built-in language: (user name, password). Only
/// GSM-7 letters, so that they never force UCS-2 on their own.
fn labels(locale: &str) -> Option<(&'static str, &'static str)> {
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "en" => Some(("User", "Password")),
        "de" => Some(("Benutzer", "Passwort")),
        "pt" => Some(("Login", "Senha")),
        _ => None,
    }
}

/// The invitation's shorter forms in `locale`, longest first: the two values under their labels
/// (built-in languages), then the two alone on their own lines (any language).
pub fn invitation_short_forms(locale: &str, username: &str, password: &str) -> Vec<String> {
    let labelled = labels(locale).map(|(user, secret)| format!("{user}: {username}\n{secret}: {password}"));
    labelled.into_iter().chain([format!("{username}\n{password}")]).collect()
}

/// The invitation SMS when the template's text does not fit: the first short form within 140
/// characters, else the shortest one, longer than one SMS but whole.
pub fn invitation_short_form(locale: &str, username: &str, password: &str) -> String {
    let mut forms = invitation_short_forms(locale, username, password);
    let fitting = forms.iter().position(|form| form.chars().count() <= SMS_LIMIT);
    let chosen = fitting.unwrap_or(forms.len() - 1);
    forms.swap_remove(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_and_ucs2_texts_are_measured_by_what_one_segment_holds() {
        let plain = "a".repeat(160);
        assert_eq!(sms_length(&plain), SmsLength { encoding: SmsEncoding::Gsm7, units: 160, segments: 1 });
        assert_eq!(sms_length(&format!("{plain}a")).segments, 2);
        assert_eq!(sms_length("Ihr vorläufiges Passwort").encoding, SmsEncoding::Gsm7, "ä is GSM-7");
        assert_eq!(sms_length("€[x]").units, 7, "extension characters take two septets");
        let accented = "á".repeat(70);
        assert_eq!(sms_length(&accented), SmsLength { encoding: SmsEncoding::Ucs2, units: 70, segments: 1 });
        assert_eq!(sms_length(&format!("{accented}á")).segments, 2);
        assert_eq!(sms_length("🙂").units, 2, "outside the basic plane: two UTF-16 units");
    }

    #[test]
    fn the_short_forms_words_are_gsm7_in_every_built_in_language() {
        for locale in crate::builtin::LOCALES {
            for form in invitation_short_forms(locale, "u", "p") {
                assert_eq!(sms_length(&form).encoding, SmsEncoding::Gsm7, "{locale}: {form:?}");
            }
            assert_eq!(invitation_short_forms(locale, "u", "p").len(), 2, "{locale} has a labelled form");
        }
        assert_eq!(invitation_short_forms("fr", "u", "p"), ["u\np"], "another language: the values alone");
        assert_eq!(labels("pt-BR"), labels("pt"));
    }

    #[test]
    fn the_first_form_that_fits_is_chosen_and_a_name_too_long_for_any_keeps_both_values_whole() {
        let name = "n".repeat(100);
        assert_eq!(invitation_short_form("de", &name, "Kx9!mQ2#"), format!("Benutzer: {name}\nPasswort: Kx9!mQ2#"));
        let name = "n".repeat(120);
        let password = "p".repeat(19);
        assert_eq!(invitation_short_form("en", &name, &password), format!("{name}\n{password}"), "140 exactly");
        let name = "n".repeat(128);
        let password = "p".repeat(99);
        let form = invitation_short_form("pt", &name, &password);
        assert_eq!(form, format!("{name}\n{password}"), "never cut, even past one SMS");
        assert_eq!(sms_length(&form).segments, 2);
    }
}
