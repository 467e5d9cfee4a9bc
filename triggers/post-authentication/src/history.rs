//! Login history: one item per counted sign-in, `pk = USER#<sub>`, `sk = LOGIN#<epoch millis,
//! zero-padded to 15 digits>` (sorts by time), expiring after `LOGIN_HISTORY_DAYS`.

use trigger_core::ports::{AttrValue, Condition, EXPIRES_AT, Item, Key, PortError, Store};

pub const PREFIX: &str = "LOGIN#";
const DAY: i64 = 86_400;

pub fn key(sub: &str, at_millis: i64) -> Key {
    Key::new(trigger_core::profile::partition(sub), format!("{PREFIX}{at_millis:015}"))
}

pub fn item(sub: &str, at_millis: i64, client_id: Option<&str>, new_device: bool, keep_days: i64) -> Item {
    let at = at_millis.div_euclid(1000);
    let mut item = Item::new(&key(sub, at_millis))
        .with("at", AttrValue::n(at))
        .with("newDevice", AttrValue::Bool(new_device))
        .with(EXPIRES_AT, AttrValue::n(at + keep_days * DAY));
    if let Some(client) = client_id {
        item.set("clientId", AttrValue::s(client));
    }
    item
}

/// Writes the item unless one with the same key exists (never overwrites history).
pub async fn append(store: &dyn Store, item: &Item) -> Result<(), PortError> {
    store.put(item, Some(&Condition::ItemNotExists)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_time_and_items_carry_the_ttl() {
        assert_eq!(key("s", 1_700_000_000_123).sk, "LOGIN#001700000000123");
        assert!(key("s", 999).sk < key("s", 1_000).sk);
        let item = item("s", 1_700_000_000_123, Some("app"), true, 90);
        assert_eq!(item.i64(EXPIRES_AT), Some(1_700_000_000 + 90 * 86_400));
        assert_eq!(item.str("clientId"), Some("app"));
    }
}
