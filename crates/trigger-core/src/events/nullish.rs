use std::collections::HashMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Reads `null` as the type's default, the way Cognito's optional objects and maps must be read:
/// Cognito and its local stand-ins send `null`, `{}` or nothing for the same absent value.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a `userAttributes` map: Cognito documents its values as strings, but public samples and
/// type definitions show `null` (an unknown value) and booleans or numbers (`"email_verified":
/// true`). One odd value must not fail the whole event: a null (or an array or object) is left
/// out, as unknown; a boolean or number is kept as its text (`"true"`, as Cognito writes it). A
/// null or absent map is empty.
pub fn attribute_values<'de, D>(deserializer: D) -> Result<HashMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = Option::<HashMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::String(text) => Some((name, text)),
            Value::Bool(flag) => Some((name, flag.to_string())),
            Value::Number(number) => Some((name, number.to_string())),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        })
        .collect())
}

/// Reads a `clientMetadata` or `validationData` map. The apps that call Cognito fill these
/// (`ClientMetadata` / `ValidationData` of the API), and Cognito passes them on as it got them:
/// an SDK that serialises an unset value writes `null` inside the map. Read like
/// [`attribute_values`]: a null value is left out, a boolean or number kept as its text, so one
/// odd entry never refuses the whole sign-up or sign-in.
pub fn metadata_values<'de, D>(deserializer: D) -> Result<HashMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    attribute_values(deserializer)
}

/// Reads the header's `version`: Cognito sends text (`"1"`), and the developer guide's own
/// custom-message example shows a number (`"version": 1`). A number is read as its text; null
/// or any other JSON type reads as no version. Only pre token generation chooses a shape by
/// version, and it looks at the raw value first (a number there is an unknown version).
pub fn version_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(text)) => Some(text),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Request {
        #[serde(default, deserialize_with = "attribute_values")]
        attributes: HashMap<String, String>,
    }

    #[derive(Debug, Deserialize)]
    struct Header {
        #[serde(default, deserialize_with = "version_text")]
        version: Option<String>,
        #[serde(default, deserialize_with = "metadata_values")]
        metadata: HashMap<String, String>,
    }

    #[test]
    fn a_null_metadata_value_and_a_numeric_version_are_read_not_refused() {
        let json = r#"{ "version": 1, "metadata": { "locale": "de", "referrer": null, "step": 2 } }"#;
        let header: Header = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(header.version.as_deref(), Some("1"));
        let mut read: Vec<_> = header.metadata.into_iter().collect();
        read.sort();
        assert_eq!(read, [("locale".to_owned(), "de".to_owned()), ("step".to_owned(), "2".to_owned())]);
        let header: Header =
            serde_json::from_str(r#"{ "version": "2", "metadata": null }"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(header.version.as_deref(), Some("2"));
        assert!(header.metadata.is_empty());
        for odd in [r#"{ "version": null }"#, r#"{ "version": true }"#, "{}"] {
            let header: Header = serde_json::from_str(odd).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(header.version, None, "{odd}");
        }
    }

    #[test]
    fn odd_attribute_values_are_read_not_refused() {
        let json = r#"{ "attributes": { "email": "a@example.com", "city": null, "email_verified": true,
            "age": 42, "list": [1], "object": {} } }"#;
        let request: Request = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        let mut read: Vec<_> = request.attributes.into_iter().collect();
        read.sort();
        let expected = [("age", "42"), ("email", "a@example.com"), ("email_verified", "true")];
        assert_eq!(read, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        for empty in [r#"{ "attributes": null }"#, "{}"] {
            let request: Request = serde_json::from_str(empty).unwrap_or_else(|e| panic!("{e}"));
            assert!(request.attributes.is_empty());
        }
    }
}
