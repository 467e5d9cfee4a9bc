//! The command line: `triggers-admin <command> <user-pool-id> …`. A bad command line is exit 2.

use trigger_core::Env;
use trigger_core::lockout::NameRule;
use trigger_core::reservations::Kind;

pub const USAGE: &str = "\
usage: triggers-admin show     <user-pool-id> <username>
       triggers-admin unlock   <user-pool-id> <username>
       triggers-admin release  <user-pool-id> <e-mail address | +E.164 phone number> [--force]
       triggers-admin backfill <user-pool-id> [--from-token TOKEN] [--rate N] [--phone]
environment: TABLE_NAME, AWS_REGION and credentials (AWS_ENDPOINT_URL for a local stack);
             USER_NAMES_CASE_SENSITIVE (show/unlock: the pool's user-name rule, default true);
             BACKFILL_LIST_USERS_PER_SECOND (default 10, 1 to 30; --rate wins)";

/// The variable that sets backfill's ListUsers rate when `--rate` is not given.
pub const RATE_VARIABLE: &str = "BACKFILL_LIST_USERS_PER_SECOND";
/// ListUsers calls per second unless told otherwise: a third of the fixed account quota, so the
/// pre sign-up trigger's own ListUsers calls (and other tools) keep room while a backfill runs.
pub const DEFAULT_RATE: u32 = 10;
/// Cognito's fixed ListUsers quota: 30 requests per second per account and Region.
pub const MAX_RATE: u32 = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `names`: the pool's user-name rule (`USER_NAMES_CASE_SENSITIVE`), for a name the pool
    /// does not hold.
    Unlock {
        user_pool_id: String,
        username: String,
        names: NameRule,
    },
    Show {
        user_pool_id: String,
        username: String,
        names: NameRule,
    },
    Release(Release),
    Backfill(Backfill),
}

/// `release <pool> <address> [--force]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub user_pool_id: String,
    pub kind: Kind,
    /// Normalised as reservations are keyed ([`Kind::normalise`]).
    pub value: String,
    /// Release even when a live user holds the address.
    pub force: bool,
}

/// `backfill <pool> [--from-token T] [--rate N] [--phone]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backfill {
    pub user_pool_id: String,
    /// Resume at this ListUsers page token (printed after every page of an earlier run).
    pub from_token: Option<String>,
    /// ListUsers calls per second, 1 to [`MAX_RATE`].
    pub rate: u32,
    /// Phone numbers too (e-mail addresses always).
    pub phone: bool,
}

impl Command {
    /// Parses the arguments after the program name; `env` supplies [`RATE_VARIABLE`].
    pub fn parse(args: &[String], env: &Env) -> Result<Self, String> {
        let Some((verb, rest)) = args.split_first() else { return Err("no command given".to_owned()) };
        let (positional, flags): (Vec<&String>, Vec<&String>) = rest.iter().partition(|a| !a.starts_with("--"));
        match verb.as_str() {
            "unlock" | "show" => {
                if !flags.is_empty() {
                    return Err(format!("{verb} takes no options"));
                }
                let [pool, name] = positional.as_slice() else {
                    return Err(format!("{verb} expects <user-pool-id> <username>, got {} argument(s)", rest.len()));
                };
                let (user_pool_id, username) =
                    (non_empty(pool, "the user pool id")?, non_empty(name, "the user name")?);
                let names = NameRule::from_env(env).map_err(|err| err.to_string())?;
                Ok(if verb == "unlock" {
                    Self::Unlock { user_pool_id, username, names }
                } else {
                    Self::Show { user_pool_id, username, names }
                })
            }
            "release" => parse_release(rest),
            "backfill" => parse_backfill(rest, env),
            other => Err(format!("unknown command {other:?}")),
        }
    }
}

fn non_empty(value: &str, what: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() { Err(format!("{what} must not be empty")) } else { Ok(value.to_owned()) }
}

fn parse_release(rest: &[String]) -> Result<Command, String> {
    let mut force = false;
    let mut positional = Vec::new();
    for arg in rest {
        match arg.as_str() {
            "--force" => force = true,
            flag if flag.starts_with("--") => return Err(format!("release: unknown option {flag:?}")),
            value => positional.push(value),
        }
    }
    let [pool, address] = positional.as_slice() else {
        return Err(format!(
            "release expects <user-pool-id> <address> [--force], got {} argument(s)",
            positional.len()
        ));
    };
    let user_pool_id = non_empty(pool, "the user pool id")?;
    let (kind, value) = address_kind(address)?;
    Ok(Command::Release(Release { user_pool_id, kind, value, force }))
}

/// An E.164 number (`+`, a non-zero digit, at most 15 digits in all) is a phone number; anything
/// with one `@` between a local part and a domain is an e-mail address. Returned normalised.
pub fn address_kind(text: &str) -> Result<(Kind, String), String> {
    let text = text.trim();
    if let Some(digits) = text.strip_prefix('+') {
        let e164 =
            (2..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
        return if e164 {
            Ok((Kind::Phone, Kind::Phone.normalise(text)))
        } else {
            Err("a phone number must be in E.164 form: + and 2 to 15 digits, e.g. +14155550123".to_owned())
        };
    }
    match text.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {
            Ok((Kind::Email, Kind::Email.normalise(text)))
        }
        _ => Err("the address must be an e-mail address or an E.164 phone number (+14155550123)".to_owned()),
    }
}

fn parse_backfill(rest: &[String], env: &Env) -> Result<Command, String> {
    let mut from_token = None;
    let mut rate_flag = None;
    let mut phone = false;
    let mut positional = Vec::new();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value =
            |name: &str| inline.clone().or_else(|| args.next().cloned()).ok_or(format!("{name} needs a value"));
        match flag {
            "--from-token" => from_token = Some(non_empty(&value("--from-token")?, "--from-token")?),
            "--rate" => rate_flag = Some(parse_rate(&value("--rate")?).map_err(|e| format!("--rate: {e}"))?),
            "--phone" if inline.is_none() => phone = true,
            flag if flag.starts_with("--") => return Err(format!("backfill: unknown option {arg:?}")),
            _ => positional.push(arg.as_str()),
        }
    }
    let [pool] = positional.as_slice() else {
        return Err(format!("backfill expects <user-pool-id> and options, got {} argument(s)", positional.len()));
    };
    let rate = match (rate_flag, env.text(RATE_VARIABLE)) {
        (Some(rate), _) => rate,
        (None, Some(text)) => parse_rate(text).map_err(|e| format!("{RATE_VARIABLE}={text:?}: {e}"))?,
        (None, None) => DEFAULT_RATE,
    };
    Ok(Command::Backfill(Backfill { user_pool_id: non_empty(pool, "the user pool id")?, from_token, rate, phone }))
}

fn parse_rate(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(rate) if (1..=MAX_RATE).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "expected ListUsers calls per second, a whole number from 1 to {MAX_RATE} (Cognito's fixed quota)"
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn parse(list: &[&str]) -> Result<Command, String> {
        parse_with(list, &Env::default())
    }

    fn parse_with(list: &[&str], env: &Env) -> Result<Command, String> {
        let args: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        Command::parse(&args, env)
    }

    #[test]
    fn parses_the_lockout_commands_and_refuses_anything_else() {
        assert_eq!(
            parse(&["unlock", "pool", " Jane "]),
            Ok(Command::Unlock {
                user_pool_id: "pool".into(),
                username: "Jane".into(),
                names: NameRule::CaseSensitive
            })
        );
        assert!(matches!(parse(&["show", "p", "u"]), Ok(Command::Show { .. })));
        assert!(parse(&["unlock", "p"]).is_err());
        assert!(parse(&["show", "p", "u", "--force"]).is_err());
        assert!(parse(&["delete", "p", "u"]).unwrap_err().contains("unknown command"));
        assert!(parse(&["show", "p", " "]).is_err());
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn release_tells_e_mail_from_phone_and_normalises() {
        assert_eq!(
            parse(&["release", "pool", " Jane@Example.COM "]),
            Ok(Command::Release(Release {
                user_pool_id: "pool".into(),
                kind: Kind::Email,
                value: "jane@example.com".into(),
                force: false
            }))
        );
        let Ok(Command::Release(phone)) = parse(&["release", "--force", "pool", "+14155550123"]) else { panic!() };
        assert_eq!((phone.kind, phone.value.as_str(), phone.force), (Kind::Phone, "+14155550123", true));
        for bad in ["+0123", "+1", "+1415555012345678", "+1 415 555", "jane", "@example.com", "jane@", "a@b@c"] {
            assert!(parse(&["release", "pool", bad]).is_err(), "{bad}");
        }
        assert!(parse(&["release", "pool", "a@b.c", "--yes"]).unwrap_err().contains("unknown option"));
        assert!(parse(&["release", "pool"]).is_err());
    }

    #[test]
    fn backfill_options_and_the_rate_setting() {
        assert_eq!(
            parse(&["backfill", "pool"]),
            Ok(Command::Backfill(Backfill {
                user_pool_id: "pool".into(),
                from_token: None,
                rate: DEFAULT_RATE,
                phone: false
            }))
        );
        let Ok(Command::Backfill(b)) = parse(&["backfill", "pool", "--from-token", "abc=", "--rate=30", "--phone"])
        else {
            panic!()
        };
        assert_eq!((b.from_token.as_deref(), b.rate, b.phone), (Some("abc="), 30, true));
        let Ok(Command::Backfill(b)) = parse(&["backfill", "--from-token=x==", "pool"]) else { panic!() };
        assert_eq!(b.from_token.as_deref(), Some("x=="), "a token may itself end in '='");

        let env = Env::from_pairs([(RATE_VARIABLE, "5")]);
        let Ok(Command::Backfill(b)) = parse_with(&["backfill", "pool"], &env) else { panic!() };
        assert_eq!(b.rate, 5);
        let Ok(Command::Backfill(b)) = parse_with(&["backfill", "pool", "--rate", "7"], &env) else { panic!() };
        assert_eq!(b.rate, 7, "the flag wins over the variable");

        for rate in ["0", "31", "2.5", "ten"] {
            assert!(parse(&["backfill", "pool", "--rate", rate]).is_err(), "{rate}");
            let env = Env::from_pairs([(RATE_VARIABLE, rate)]);
            assert!(parse_with(&["backfill", "pool"], &env).unwrap_err().contains(RATE_VARIABLE), "{rate}");
        }
        assert!(parse(&["backfill", "pool", "--rate"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["backfill", "pool", "--phone=yes"]).is_err());
        assert!(parse(&["backfill"]).is_err());
        assert!(parse(&["backfill", "p", "q"]).is_err());
    }
}
