//! The dummy hash an unknown name's password is verified against, so that "no such user" takes
//! as long as "wrong password".
//!
//! A fixed dummy only does that when its cost is the rows' cost, and nobody can be trusted to keep
//! a setting in step with a table (issue 22 measured 88 ms for an unknown name against about
//! 800 ms for a wrong password on a bcrypt-12 row). So the dummy follows the rows: each time a
//! row's hash is about to be verified, its [`Profile`] (format and cost parameters) is compared
//! with the dummy's, and when they differ a new dummy is built with
//! [`legacy_passwords::dummy_like`] — the row's format and parameters, a fresh random salt and
//! digest, nothing hashed, so building it costs microseconds and no password is known for it.
//! Rows past the bounds are refused before this (they are never verified), so the dummy stays
//! within the same bounds.
//!
//! Before an instance has seen a row it must still cost what the rows cost, or every cold
//! instance (an attacker can make many, with concurrent requests) answers unknown names fast. So
//! the first dummy an instance learns is saved in the project table (one `PutItem`, at most once
//! per instance: `pk = MIGRATION#<legacy table>`, `sk = DUMMY_HASH`, `hash`, `updatedAt`), and a
//! cold instance starts from the saved one ([`key`], read at init). What is saved is a dummy, a
//! hash nobody knows a password for; what is read back is rebuilt with `dummy_like` and bounded
//! like any row, so a row someone wrote there is never verified against as it is. With nothing
//! saved yet (the very first instance of a new deployment), the dummy is built the same way from
//! `LEGACY_DUMMY_HASH` (by default a bcrypt cost-10 hash). Mixed costs in one table (Devise moved
//! from 10 to 12) make the dummy follow the row seen last.

use std::sync::{Mutex, PoisonError};

use legacy_passwords::{Profile, dummy_like, profile};
use trigger_core::logging::Secret;
use trigger_core::ports::{AttrValue, Item, Key};
use trigger_core::random;

use crate::NAME;

pub const SORT_KEY: &str = "DUMMY_HASH";
pub const HASH: &str = "hash";
pub const UPDATED_AT: &str = "updatedAt";

/// Where the dummy learned for `legacy_table` is saved in the project table.
pub fn key(legacy_table: &str) -> Key {
    Key::new(format!("MIGRATION#{legacy_table}"), SORT_KEY)
}

/// The saved dummy's row.
pub fn item(legacy_table: &str, dummy: &Secret<String>, now: i64) -> Item {
    Item::new(&key(legacy_table)).with(HASH, AttrValue::s(dummy.expose())).with(UPDATED_AT, AttrValue::n(now))
}

#[derive(Debug)]
struct State {
    profile: Option<Profile>,
    hash: Secret<String>,
    /// Learned from a row and not saved yet.
    unsaved: bool,
    /// This instance saved one already (it saves at most once).
    saved: bool,
}

/// The current dummy and what it costs.
#[derive(Debug)]
pub struct Dummy {
    current: Mutex<State>,
}

/// Fresh random seed; the kernel's generator does not fail on Lambda, and if it did the dummy
/// would still be one whose password nobody knows (the seed only draws salt and digest).
fn seed() -> [u8; 32] {
    random::bytes::<32>().unwrap_or_else(|error| {
        tracing::warn!(trigger = NAME, %error, "no random seed for the dummy hash; using a fixed one");
        [0x5a; 32]
    })
}

impl Dummy {
    /// Starts from `start` (`LEGACY_DUMMY_HASH`, validated at init): a dummy like it, so that even
    /// a real row's hash pasted into the setting is never verified against itself.
    pub fn starting_from(start: &Secret<String>) -> Self {
        let built = dummy_like(start.expose(), seed()).ok();
        let (profile, hash) = match built {
            Some(hash) => (profile(&hash).ok(), Secret::new(hash)),
            // Validated at init; kept as given if it could not be rebuilt.
            None => (profile(start.expose()).ok(), start.clone()),
        };
        Self { current: Mutex::new(State { profile, hash, unsaved: false, saved: false }) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The hash an unknown name's password is verified against now.
    pub fn hash(&self) -> Secret<String> {
        self.state().hash.clone()
    }

    /// The profile of the current dummy (what it costs).
    pub fn profile(&self) -> Option<Profile> {
        self.state().profile.clone()
    }

    /// A dummy like `stored` (a row's hash, or a saved dummy), if it is one this crate verifies
    /// and costs otherwise than the current one.
    fn rebuilt(&self, stored: &Secret<String>) -> Option<(Profile, Secret<String>)> {
        let row = profile(stored.expose()).ok()?;
        if self.profile().as_ref() == Some(&row) {
            return None;
        }
        let hash = dummy_like(stored.expose(), seed()).ok()?;
        Some((row, Secret::new(hash)))
    }

    /// A row's hash is about to be verified: from now on the dummy costs what it costs. A hash
    /// this crate would not verify (unknown format, malformed, past the bounds) changes nothing.
    pub fn follow(&self, row_hash: &Secret<String>) {
        let Some((row, hash)) = self.rebuilt(row_hash) else { return };
        tracing::info!(trigger = NAME, profile = row.as_str(), "dummy hash follows the rows' parameters");
        let mut state = self.state();
        (state.profile, state.hash, state.unsaved) = (Some(row), hash, true);
    }

    /// A cold start: the dummy another instance saved ([`key`]), rebuilt and bounded like a row's.
    pub fn recall(&self, saved: &Secret<String>) {
        let Some((row, hash)) = self.rebuilt(saved) else { return };
        let mut state = self.state();
        (state.profile, state.hash) = (Some(row), hash);
    }

    /// The dummy to save, once per instance: the first one it learned from a row.
    pub fn to_save(&self) -> Option<Secret<String>> {
        let mut state = self.state();
        if !state.unsaved || state.saved {
            return None;
        }
        (state.unsaved, state.saved) = (false, true);
        Some(state.hash.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::settings::DEFAULT_DUMMY_HASH;

    const COST_4: &str = "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK";

    #[test]
    fn the_dummy_starts_like_the_setting_then_follows_the_rows_it_sees() {
        let dummy = Dummy::starting_from(&Secret::new(DEFAULT_DUMMY_HASH.to_owned()));
        assert_eq!(dummy.profile().unwrap().as_str(), "$2b$10");
        assert_ne!(dummy.hash().expose(), DEFAULT_DUMMY_HASH, "a dummy like the setting, not the setting");
        dummy.follow(&Secret::new(COST_4.to_owned()));
        assert_eq!(dummy.profile().unwrap().as_str(), "$2b$04");
        assert_eq!(legacy_passwords::verify("Legacy-Passw0rd!", dummy.hash().expose()), Ok(false));
        let same = dummy.hash();
        dummy.follow(&Secret::new(COST_4.to_owned()));
        assert_eq!(dummy.hash(), same, "the same profile keeps the dummy");
        for unusable in ["md5:abc", "$2b$14$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"] {
            dummy.follow(&Secret::new(unusable.to_owned()));
            dummy.recall(&Secret::new(unusable.to_owned()));
            assert_eq!(dummy.hash(), same, "{unusable}: never past the bounds, never a format it cannot verify");
        }
    }

    #[test]
    fn the_first_dummy_learned_is_saved_once_and_a_recalled_one_is_rebuilt() {
        let dummy = Dummy::starting_from(&Secret::new(DEFAULT_DUMMY_HASH.to_owned()));
        assert_eq!(dummy.to_save(), None, "nothing learned yet");
        dummy.follow(&Secret::new(COST_4.to_owned()));
        let saved = dummy.to_save().expect("learned from a row");
        assert_eq!(saved, dummy.hash());
        assert_eq!(dummy.to_save(), None, "once");
        dummy.follow(&Secret::new(DEFAULT_DUMMY_HASH.to_owned()));
        assert_eq!(dummy.to_save(), None, "once per instance, whatever it learns later");

        let cold = Dummy::starting_from(&Secret::new(DEFAULT_DUMMY_HASH.to_owned()));
        cold.recall(&saved);
        assert_eq!(cold.profile().unwrap().as_str(), "$2b$04");
        assert_ne!(cold.hash(), saved, "rebuilt: never the stored value itself");
        assert_eq!(cold.to_save(), None, "a recalled dummy is not saved again");
    }
}
