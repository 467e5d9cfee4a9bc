//! The masking rules every log line passes through: e-mail addresses and phone numbers, wherever
//! they stand in a line (a field, a message, an SDK error text).
//!
//! - E-mail: `jane.doe@example.com` → `j***@example.com`; also written with `%40` or `%2540`
//!   (URL-encoded once or twice) for the `@`, and with non-ASCII letters in the local part or
//!   the domain (`jörg@münchen.de`). The domain stays: it is what an operator needs to see a
//!   pattern, and it does not identify a person on its own.
//! - Phone: every digit but the last two becomes `*`, separators stay
//!   (`+1 (415) 555-0123` → `+* (***) ***-**23`). Recognised forms:
//!   - international: `+` then 8–15 digits, in any grouping (spaces, dashes, dots, parentheses,
//!     `(0)`); or `00` then 8–15 digits in at least two groups (`0044 20 7946 0958`);
//!   - North American national: 3-3-4 digits (optionally `1` first) with one kind of separator,
//!     or the area code in parentheses: `(415) 555-0123`, `415.555.0123`, `1-415-555-0123`;
//!   - national with a trunk `0`: 9–11 digits in groups of two or more, one kind of separator
//!     (`020 7946 0958`, `06 12 34 56 78`).
//!
//!   A bare run of digits without `+` is never a phone number: it cannot be told from epoch
//!   seconds or millis, account ids or counters, which every log line carries. Nor is a run that
//!   continues a larger token (`us-east-1`, a UUID, `2026-12-02T…`).
//!
//! A line without `@`, `%`, `+` or a digit is returned as it is, without scanning further; a line
//! with nothing to mask is returned borrowed too: only a line that changes allocates.

use std::borrow::Cow;

/// Masks every e-mail address and phone number in `text` (rules: module documentation).
pub fn mask_sensitive(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| matches!(b, b'@' | b'%' | b'+' | b'0'..=b'9')) {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else { break };
        let found = email_at(text, i).map(Found::Masked).or_else(|| phone_at(text, i));
        match found {
            Some(Found::Masked((end, masked))) => {
                let line = out.get_or_insert_with(|| String::with_capacity(text.len() + 8));
                line.push_str(&text[copied..i]);
                line.push_str(&masked);
                copied = end;
                i = end;
            }
            Some(Found::NotAPhone(end)) => i = end,
            None => i += c.len_utf8(),
        }
    }
    match out {
        Some(mut line) => {
            line.push_str(&text[copied..]);
            Cow::Owned(line)
        }
        None => Cow::Borrowed(text),
    }
}

enum Found {
    /// The end of the matched text and its masked form.
    Masked((usize, String)),
    /// A run of digits and separators that is not a phone number: where to go on (past its first
    /// group, so that a number or address right after it is still found, or past the whole of a
    /// run too long to hold a phone number).
    NotAPhone(usize),
}

/// Characters taken as the local part of an address: RFC 5322 atext plus the dot, and the
/// non-ASCII letters and digits of internationalised addresses (RFC 6531). Left out: `/ = ? &`,
/// legal but next to unheard of in real addresses, and what stands before an address in a URL
/// (`?email=jane%40example.com`), whose path and field names should stay readable.
fn is_local_part_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%'*+-^_`{|}~.".contains(c) || (!c.is_ascii() && c.is_alphanumeric())
}

/// Domain characters, non-ASCII (IDN) labels included.
fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.'
}

/// What stands for the `@` at byte `at`: the sign itself, or its URL encoding (once or twice).
fn at_sign_len(text: &str, at: usize) -> Option<usize> {
    let rest = &text.as_bytes()[at..];
    if rest.first() == Some(&b'@') {
        Some(1)
    } else if rest.starts_with(b"%40") {
        Some(3)
    } else if rest.starts_with(b"%2540") {
        Some(5)
    } else {
        None
    }
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// An e-mail address starting at byte `start` (which must begin a local part): where its domain
/// starts, and its local part and at-sign masked (the domain stays as it is). A local part may hold what looks like an encoded `@` (`x%40jane@example.com`):
/// when the text after one is no domain, the scan goes on to the next.
fn email_at(text: &str, start: usize) -> Option<(usize, String)> {
    let first = text[start..].chars().next()?;
    // A run of local-part characters is tried from its start (dots cannot start an address, so
    // a run that begins with dots is tried from the first character after them).
    let inside_run = char_before(text, start).is_some_and(|c| is_local_part_char(c) && c != '.');
    if !is_local_part_char(first) || first == '.' || inside_run {
        return None;
    }
    for (offset, c) in text[start..].char_indices() {
        let here = start + offset;
        if offset > 0
            && let Some(sign_len) = at_sign_len(text, here)
        {
            if domain_at(text, here + sign_len).is_some() {
                // The match ends after the at-sign: the domain is scanned as text in turn, since
                // its last labels may be the local part of the next address (`a@b.c+d@e.f`).
                return Some((here + sign_len, format!("{first}***{}", &text[here..here + sign_len])));
            }
            if c == '@' {
                return None;
            }
        }
        if !is_local_part_char(c) {
            return None;
        }
    }
    None
}

/// The domain of an address starting at byte `start`, if one does: labels separated by single
/// dots, at least two of them (a `..` or a trailing dot ends it: `jane@example.com...` is an
/// address followed by an ellipsis).
fn domain_at(text: &str, start: usize) -> Option<&str> {
    let len = text[start..].find(|c: char| !is_domain_char(c)).unwrap_or(text.len() - start);
    let candidate = &text[start..start + len];
    let domain = candidate.split("..").next().unwrap_or_default().trim_end_matches('.');
    (domain.contains('.') && !domain.starts_with('.')).then_some(domain)
}

/// Groups a phone number can have (`+44 (0)20 7946 0958` has five); a run with more is not one.
const MAX_GROUPS: usize = 8;

/// One group of digits in a phone-number candidate: where its digits start, how many.
#[derive(Clone, Copy, Default)]
struct Group {
    start: usize,
    digits: usize,
    parenthesised: bool,
}

/// A run of digit groups and separators, as read from the text (no allocation: lines with
/// timestamps and ids go through here).
#[derive(Default)]
struct Run {
    plus: bool,
    groups: [Group; MAX_GROUPS],
    /// `separators[k]` stands between group `k` and `k + 1`; `None` where only a parenthesis
    /// does (`(0)20`).
    separators: [Option<u8>; MAX_GROUPS],
    len: usize,
    overflow: bool,
}

impl Run {
    fn groups(&self) -> &[Group] {
        &self.groups[..self.len]
    }

    fn total_digits(&self) -> usize {
        self.groups().iter().map(|g| g.digits).sum()
    }

    /// The separators from the one after group `from` on are all present and all the same.
    fn one_separator_from(&self, from: usize) -> bool {
        let kinds = &self.separators[from.min(self.len.saturating_sub(1))..self.len.saturating_sub(1)];
        kinds.first().is_none_or(|first| first.is_some() && kinds.iter().all(|s| s == first))
    }
}

/// A run of digit groups and separators starting at byte `start`: a phone number (masked), a run
/// that is not one (skipped), or nothing that could start one here.
fn phone_at(text: &str, start: usize) -> Option<Found> {
    let bytes = text.as_bytes();
    let first = *bytes.get(start)?;
    if !(first == b'+' || first == b'(' || first.is_ascii_digit()) || continues_token_before(text, start) {
        return None;
    }
    let mut run = Run { plus: first == b'+', ..Run::default() };
    let mut end = if run.plus { start + 1 } else { start };
    loop {
        // Between two groups: one separator, then maybe `(` opening the next group.
        let mut j = end;
        let mut separator = None;
        if run.len > 0
            && let Some(&b) = bytes.get(j)
            && matches!(b, b' ' | b'-' | b'.')
        {
            separator = Some(b);
            j += 1;
        }
        let open = bytes.get(j) == Some(&b'(');
        if open {
            j += 1;
        }
        let digits = bytes.get(j..).unwrap_or_default().iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            break;
        }
        let group = Group { start: j, digits, parenthesised: open };
        j += digits;
        if open {
            if bytes.get(j) != Some(&b')') {
                break;
            }
            j += 1;
        }
        if run.len == MAX_GROUPS {
            run.overflow = true;
        } else {
            if run.len > 0 {
                run.separators[run.len - 1] = separator;
            }
            run.groups[run.len] = group;
            run.len += 1;
        }
        end = j;
    }
    if run.len == 0 {
        return None;
    }
    if run.overflow {
        return Some(Found::NotAPhone(end));
    }
    if continues_token_after(text, end) || !is_phone(bytes, &run) {
        let first = run.groups[0];
        return Some(Found::NotAPhone(first.start + first.digits + usize::from(first.parenthesised)));
    }
    let total = run.total_digits();
    let mut masked = String::with_capacity(end - start);
    let mut seen = 0;
    for &b in &bytes[start..end] {
        if b.is_ascii_digit() {
            seen += 1;
            masked.push(if seen + 2 > total { char::from(b) } else { '*' });
        } else {
            masked.push(char::from(b));
        }
    }
    Some(Found::Masked((end, masked)))
}

/// Is the byte at `start` inside a larger token (`abc123`, `us-east-1`, the middle of a UUID)?
fn continues_token_before(text: &str, start: usize) -> bool {
    let Some(before) = char_before(text, start) else { return false };
    if before.is_alphanumeric() || before == '_' {
        return true;
    }
    matches!(before, '-' | '.') && char_before(text, start - 1).is_some_and(char::is_alphanumeric)
}

/// Does the token go on after byte `end` (`2026-12-02T…`, `…-0123-abcd`)?
fn continues_token_after(text: &str, end: usize) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        Some(c) if c.is_alphanumeric() || c == '_' => true,
        Some('-' | '.') => after.next().is_some_and(char::is_alphanumeric),
        _ => false,
    }
}

/// The phone-number forms of the module documentation.
fn is_phone(bytes: &[u8], run: &Run) -> bool {
    let groups = run.groups();
    let total = run.total_digits();
    let digit = |g: &Group, k: usize| bytes.get(g.start + k).copied().unwrap_or_default();
    let first = groups[0];
    if run.plus {
        return (8..=15).contains(&total) && !first.parenthesised;
    }
    if groups.len() < 2 {
        return false;
    }
    if first.digits >= 3 && !first.parenthesised && digit(&first, 0) == b'0' && digit(&first, 1) == b'0' {
        return (8..=15).contains(&(total - 2));
    }
    let lengths = |from: usize| groups[from..].iter().map(|g| g.digits);
    let parenthesis_only_on = |area: usize| groups.iter().enumerate().all(|(k, g)| k == area || !g.parenthesised);
    // North American: [1] 3-3-4, the area code 2-9…, optionally in parentheses.
    let nanp = |area: usize| {
        lengths(area).eq([3, 3, 4])
            && (b'2'..=b'9').contains(&digit(&groups[area], 0))
            && parenthesis_only_on(area)
            && run.one_separator_from(if groups[area].parenthesised { area + 1 } else { 0 })
    };
    if nanp(0) || (groups[0].digits == 1 && digit(&first, 0) == b'1' && nanp(1)) {
        return true;
    }
    // National with a trunk 0: 9-11 digits in groups of two or more.
    digit(&first, 0) == b'0'
        && (9..=11).contains(&total)
        && groups.iter().all(|g| g.digits >= 2)
        && parenthesis_only_on(0)
        && run.one_separator_from(if first.parenthesised { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text → masked text. Every log line goes through these rules.
    const MUST_MASK: &[(&str, &str)] = &[
        // e-mail, plain and in JSON
        ("jane.doe@example.com", "j***@example.com"),
        (r#"{"email":"jane.doe+x@Example.co.uk"}"#, r#"{"email":"j***@Example.co.uk"}"#),
        // URL-encoded @, once and twice
        ("jane%40example.com", "j***%40example.com"),
        ("/users?email=jane.doe%40example.com&x=1", "/users?email=j***%40example.com&x=1"),
        ("jane%2540example.com", "j***%2540example.com"),
        ("jane.doe%2Bx%40example.com", "j***%40example.com"),
        // non-ASCII local parts and domains (IDN), punycode
        ("jörg@münchen.de", "j***@münchen.de"),
        ("önder@example.com", "ö***@example.com"),
        ("用户@例子.广告", "用***@例子.广告"),
        ("jane@xn--mnchen-3ya.de", "j***@xn--mnchen-3ya.de"),
        ("to: <jane@sub.example.org>.", "to: <j***@sub.example.org>."),
        // found by tests/hostile_input.rs: a leading dot, an ellipsis, an encoded @ in the local part
        (".jane@example.com", ".j***@example.com"),
        ("sent to jane@example.com...and more", "sent to j***@example.com...and more"),
        ("x%40jane@example.com", "x***@example.com"),
        ("a@b.jane@example.com", "a***@b***@example.com"),
        // international phone numbers
        ("+14155550123", "+*********23"),
        ("call +14155550123 now", "call +*********23 now"),
        ("+1 415 555 0123", "+* *** *** **23"),
        ("+1-415-555-0123", "+*-***-***-**23"),
        ("+1.415.555.0123", "+*.***.***.**23"),
        ("+1 (415) 555-0123", "+* (***) ***-**23"),
        ("+44 (0)20 7946 0958", "+** (*)** **** **58"),
        ("+44 20 7946 0958", "+** ** **** **58"),
        ("+33 6 12 34 56 78", "+** * ** ** ** 78"),
        ("tel:+4915112345678", "tel:+***********78"),
        ("0044 20 7946 0958", "**** ** **** **58"),
        ("001-415-555-0123", "***-***-***-**23"),
        // national numbers
        ("(415) 555-0123", "(***) ***-**23"),
        ("(415)555-0123", "(***)***-**23"),
        ("415.555.0123", "***.***.**23"),
        ("415-555-0123", "***-***-**23"),
        ("415 555 0123", "*** *** **23"),
        ("1-415-555-0123", "*-***-***-**23"),
        ("1 (415) 555-0123", "* (***) ***-**23"),
        ("020 7946 0958", "*** **** **58"),
        ("(020) 7946 0958", "(***) **** **58"),
        ("06 12 34 56 78", "** ** ** ** 78"),
        // wherever they stand
        (r#"{"phone":"(415) 555-0123","n":1}"#, r#"{"phone":"(***) ***-**23","n":1}"#),
        ("number=415.555.0123;", "number=***.***.**23;"),
        ("two: x@a.io, y@b.io.", "two: x***@a.io, y***@b.io."),
        ("ListUsers email = \"a@b.com\" failed", "ListUsers email = \"a***@b.com\" failed"),
        (
            "at 2026-12-02T00:30:49.123Z jane@example.com +1 415 555 0123",
            "at 2026-12-02T00:30:49.123Z j***@example.com +* *** *** **23",
        ),
    ];

    /// What every log line carries and must come out as it went in.
    const MUST_KEEP: &[&str] = &[
        "2026-12-02T00:30:49.123Z",
        r#"{"timestamp":"2026-12-02T00:30:49.123456Z","level":"INFO"}"#,
        "2026-12-02",
        "2026-12-02 00:30:49",
        "02.12.2026",
        "02.12.2026 10:30",
        "2026-12-02T00:30:49+01:00",
        "1764635449.123",
        "PT30S",
        "02/12/2026",
        "12/02/2026 10:30",
        "00:30:49",
        "4a8b2c3d-1111-2222-3333-444455556666",
        "12345678-1234-1234-1234-123456789012",
        "abcdef01-0123-4567-8901-abcdef012345",
        "1764635449",
        "1764635449123",
        r#"{"duration_ms":1234,"budget_ms":4500,"at":1764635449123}"#,
        "took 250 ms, 1.5s, 4500ms",
        "arn:aws:lambda:us-east-1:123456789012:function:pre-signup",
        "arn:aws:iam::012345678901:role/pre-signup",
        "arn:aws:states:us-east-1:123456789012:execution:reminder:0123456789abcdef",
        "1.144.0",
        "0.3.23",
        "v1.2.3",
        "10.0.19041.1234",
        "127.0.0.1:4566",
        "http://127.0.0.1:4566/",
        "192.168.100.200",
        "HTTP/1.1 200 OK",
        "us-east-1_EXAMPLE1",
        "USER#4a8b2c3d-1111-2222-3333-444455556666",
        "attempt 2 of 5",
        "count +1234567",
        "id abc+12345678901",
        "version 1+2",
        "a@b without a dot",
        "no at sign here",
        "@handle",
        "100%40 of",
        "1234 5678",
        "(2026-12-02)",
    ];

    #[test]
    fn masks_addresses_and_phone_numbers_in_their_written_forms() {
        for (text, masked) in MUST_MASK {
            assert_eq!(mask_sensitive(text), *masked, "{text}");
        }
    }

    #[test]
    fn keeps_what_every_log_line_carries() {
        for text in MUST_KEEP {
            assert!(matches!(mask_sensitive(text), Cow::Borrowed(_)), "{text} became {}", mask_sensitive(text));
        }
    }

    #[test]
    fn a_line_without_anything_to_mask_is_not_copied() {
        let plain = r#"{"level":"INFO","message":"answered","outcome":"ok"}"#;
        assert!(matches!(mask_sensitive(plain), Cow::Borrowed(_)));
    }
}
