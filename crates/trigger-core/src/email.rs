//! E-mail addresses as the triggers see them: pre sign-up's rules and reservations, and the
//! addresses inbound federation writes to a profile, are normalised by this one type.

/// An address, normalised: trimmed and lower-cased as a whole (Cognito compares addresses
/// case-insensitively, and so do we). `+tags` and dots are kept: they are part of the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    address: String,
    at: usize,
}

impl Email {
    /// `None` when the text is not an address we accept: exactly one `@`, a non-empty local
    /// part, a domain with a dot and no empty label, no white space.
    pub fn parse(text: &str) -> Option<Self> {
        let address = text.trim().to_lowercase();
        let at = address.find('@')?;
        let (local, domain) = (&address[..at], &address[at + 1..]);
        let valid = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty())
            && !address.chars().any(char::is_whitespace);
        valid.then_some(Self { address, at })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_splits() {
        let email = Email::parse("  Jane.Doe+News@Example.COM ").unwrap();
        assert_eq!(email.address(), "jane.doe+news@example.com");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for text in
            ["", "jane", "@example.com", "jane@", "jane@localhost", "a@b@c.com", "ja ne@x.com", "j@x..com", "j@.x.com"]
        {
            assert_eq!(Email::parse(text), None, "{text:?}");
        }
    }
}
