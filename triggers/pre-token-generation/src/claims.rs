//! Profile attributes as claim values: V1 claims are strings, V2 claims any JSON value.

use serde_json::{Number, Value};
use trigger_core::ports::{AttrValue, Item};

/// The JSON form of a stored value: numbers as numbers, lists and maps as arrays and objects.
/// `None` for a null, which is no claim at all.
pub fn json(value: &AttrValue) -> Option<Value> {
    Some(match value {
        AttrValue::S(s) => Value::String(s.clone()),
        AttrValue::N(n) => number(n),
        AttrValue::Bool(b) => Value::Bool(*b),
        AttrValue::Null => return None,
        AttrValue::L(list) => Value::Array(list.iter().filter_map(json).collect()),
        AttrValue::M(map) => Value::Object(map.iter().filter_map(|(k, v)| Some((k.clone(), json(v)?))).collect()),
        AttrValue::Ss(set) => Value::Array(set.iter().cloned().map(Value::String).collect()),
    })
}

/// DynamoDB numbers are decimal text: whole numbers become integers, others floats, and a text
/// no JSON number can hold stays text.
fn number(text: &str) -> Value {
    if let Ok(whole) = text.parse::<i64>() {
        return Value::Number(whole.into());
    }
    text.parse::<f64>().ok().and_then(Number::from_f64).map_or_else(|| Value::String(text.to_owned()), Value::Number)
}

/// The V1 (string-only) form: strings as they are, everything else as its JSON text.
pub fn text(value: &AttrValue) -> Option<String> {
    match json(value)? {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// `(claim, value)` for every configured profile attribute the row has.
pub fn from_profile<'a>(
    row: &'a Item,
    mapping: &'a [(String, String)],
) -> impl Iterator<Item = (&'a str, &'a AttrValue)> {
    mapping.iter().filter_map(|(attribute, claim)| Some((claim.as_str(), row.get(attribute)?)))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::json;

    use super::*;

    #[test]
    fn values_keep_their_type_in_v2_and_become_text_in_v1() {
        let roles = AttrValue::L(vec![AttrValue::s("admin"), AttrValue::s("billing")]);
        assert_eq!(json(&roles), Some(json!(["admin", "billing"])));
        assert_eq!(text(&roles).as_deref(), Some(r#"["admin","billing"]"#));
        assert_eq!(json(&AttrValue::n(42)), Some(json!(42)));
        assert_eq!(text(&AttrValue::n(42)).as_deref(), Some("42"));
        assert_eq!(json(&AttrValue::N("1.5".into())), Some(json!(1.5)));
        assert_eq!(text(&AttrValue::s("acme")).as_deref(), Some("acme"));
        assert_eq!(json(&AttrValue::Bool(true)), Some(json!(true)));
        assert_eq!(json(&AttrValue::Null), None);
        let map = AttrValue::M(BTreeMap::from([("plan".to_owned(), AttrValue::s("pro"))]));
        assert_eq!(json(&map), Some(json!({ "plan": "pro" })));
        let set = AttrValue::Ss(BTreeSet::from(["a".to_owned()]));
        assert_eq!(json(&set), Some(json!(["a"])));
    }
}
