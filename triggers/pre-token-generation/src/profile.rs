//! The profile item (`pk = USER#<sub>`, `sk = PROFILE`) as pre token generation keeps it:
//! created when missing (federated and migrated users never pass post confirmation), and
//! `picture` / `name` filled in when the row lacks them and the provider now supplies them.
//!
//! Every write sets attributes only `if_not_exists`, so concurrent invocations for one user
//! create one row, and nothing another trigger wrote is overwritten.

use std::collections::HashMap;

use trigger_core::ports::{AttrValue, Item, Update};
use trigger_core::profile::attribute;
pub use trigger_core::profile::{SORT_KEY, create_if_missing, key};

/// What a federated provider may supply later, filled into an existing row that lacks it.
const FILLED_LATER: [&str; 2] = ["picture", "name"];

/// The update that fills `picture` / `name` into `row` from the user's attributes, if any is
/// missing there and present here.
pub fn fill_missing(row: &Item, attributes: &HashMap<String, String>, now: i64) -> Option<Update> {
    let mut update = Update::default();
    for name in FILLED_LATER {
        if row.get(name).is_none()
            && let Some(value) = attribute(attributes, name)
        {
            update = update.set_if_missing(name, AttrValue::s(value));
        }
    }
    (!update.is_empty()).then(|| update.set("updatedAt", AttrValue::n(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fills_only_what_the_row_lacks_and_the_provider_supplies() {
        let row = Item::new(&key("s")).with("name", AttrValue::s("Kept"));
        let given = attributes(&[("name", "New"), ("picture", "https://p.example/a.png")]);
        let update = fill_missing(&row, &given, 9).unwrap();
        assert_eq!(update.set_if_missing, [("picture".to_owned(), AttrValue::s("https://p.example/a.png"))]);
        assert_eq!(update.set, [("updatedAt".to_owned(), AttrValue::n(9))]);
        assert_eq!(fill_missing(&row, &attributes(&[("name", "New")]), 9), None);
        assert_eq!(fill_missing(&row, &attributes(&[("picture", " ")]), 9), None);
    }

    #[test]
    fn a_new_row_takes_the_federated_status_when_cognito_gives_it() {
        let given = attributes(&[("cognito:user_status", "EXTERNAL_PROVIDER"), ("email", "a@example.com")]);
        let update = create_if_missing("s", "google_1", &given, 5);
        assert!(update.set_if_missing.contains(&("status".to_owned(), AttrValue::s("EXTERNAL_PROVIDER"))));
        assert!(update.set_if_missing.contains(&("email".to_owned(), AttrValue::s("a@example.com"))));
        assert!(update.set.is_empty(), "never overwrites");
    }
}
