//! Random values from the kernel's generator: claim tokens, generated passwords. Read from
//! `/dev/urandom` (always there on Lambda) rather than through another crate.

use std::io::{self, Read};

/// `N` random bytes.
pub fn bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// 128 random bits as 32 lower-case hex digits: an identifier nobody can guess.
pub fn token() -> io::Result<String> {
    Ok(bytes::<16>()?.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_hex_and_never_repeat() {
        let (a, b) = (super::token().unwrap(), super::token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
