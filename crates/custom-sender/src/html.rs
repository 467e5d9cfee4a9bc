//! Cognito hands the custom senders temporary passwords HTML-escaped (`&amp;` for `&`): they are
//! turned back into the characters the user must type before they are put into a message (where
//! the HTML body escapes them again, once).

/// Decodes the five named entities Cognito's escaping produces and numeric references
/// (`&#39;`, `&#x27;`). Anything else, including a malformed reference, is kept as it is.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| Some((entity(&rest[1..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_cognito_escapes_and_keeps_the_rest() {
        assert_eq!(unescape("a&amp;b&lt;c&gt;d&quot;e&#39;f&#x27;g&apos;"), "a&b<c>d\"e'f'g'");
        assert_eq!(unescape("123456"), "123456");
        assert_eq!(unescape("P&ss;w&rd & &#xZZ; &amp"), "P&ss;w&rd & &#xZZ; &amp");
        assert_eq!(unescape("&amp;amp;"), "&amp;", "decoded once, not twice");
    }
}
