//! Locale tags as the catalogue keeps them, and the fallback from a region to its language.

/// The form a tag is stored and compared in: trimmed, `_` read as `-`, lower case (`pt_BR` →
/// `pt-br`). `None` for text that is no language tag: a 2–3 letter language, then subtags of
/// 1–8 letters or digits.
pub fn normalise(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut subtags = tag.split('-');
    let language = subtags.next()?;
    let language_ok = (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    let rest_ok = subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    (language_ok && rest_ok).then_some(tag)
}

/// The tags to try for one preference, most specific first: `pt-br` → [`pt-br`, `pt`].
pub fn fallbacks(tag: &str) -> Vec<String> {
    let Some(tag) = normalise(tag) else { return Vec::new() };
    let language = tag.split('-').next().unwrap_or_default().to_owned();
    if language == tag { vec![tag] } else { vec![tag, language] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_and_fall_back_to_their_language() {
        assert_eq!(normalise(" pt_BR "), Some("pt-br".to_owned()));
        assert_eq!(normalise("de"), Some("de".to_owned()));
        assert_eq!(normalise("zh-Hant-TW"), Some("zh-hant-tw".to_owned()));
        for bad in ["", "e", "english", "en-", "en us", "../en", "en/x"] {
            assert_eq!(normalise(bad), None, "{bad:?}");
        }
        assert_eq!(fallbacks("pt-BR"), ["pt-br", "pt"]);
        assert_eq!(fallbacks("en"), ["en"]);
        assert!(fallbacks("not a tag").is_empty());
    }
}
