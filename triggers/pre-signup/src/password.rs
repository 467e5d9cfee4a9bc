//! Random passwords for the native users that federated sign-ups are linked to. Nobody is told
//! the password: the person signs in through their provider, or resets it.

use trigger_core::logging::Secret;

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!";

/// 32 random characters from the kernel's generator, led by one of each class a password
/// policy may require.
pub fn random_password() -> std::io::Result<Secret<String>> {
    let bytes = trigger_core::random::bytes::<32>()?;
    let mut password = String::from("Aa7!");
    password.extend(bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])));
    Ok(Secret::new(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_varied_and_never_the_same() {
        let a = random_password().unwrap();
        let b = random_password().unwrap();
        assert_eq!(a.expose().chars().count(), 36);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "[redacted]");
    }
}
