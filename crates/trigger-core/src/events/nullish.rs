use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default, the way Cognito's optional objects and maps must be read:
/// Cognito and its local stand-ins send `null`, `{}` or nothing for the same absent value.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
