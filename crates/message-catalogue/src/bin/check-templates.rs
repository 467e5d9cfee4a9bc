//! `check-templates DIR [DEFAULT_LOCALE]`: the validation the functions run at cold start, for a
//! team to run on its override directory before it deploys (`make check-templates DIR=…`).
//! Prints every problem as `file:line: what` and exits 1 if there is any.

use std::path::Path;
use std::process::ExitCode;

use message_catalogue::{Catalogue, CatalogueError};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, default_locale) = match args.as_slice() {
        [dir] => (dir.as_str(), "en"),
        [dir, locale] => (dir.as_str(), locale.as_str()),
        _ => {
            eprintln!("usage: check-templates DIR [DEFAULT_LOCALE]  (DEFAULT_LOCALE defaults to en)");
            return ExitCode::from(2);
        }
    };
    match Catalogue::load(Some(Path::new(dir)), default_locale) {
        Ok(catalogue) => {
            let locales: Vec<&str> = catalogue.locales().collect();
            println!(
                "{dir}: OK — {} templates, locales {} (default {}), every message rendered with sample values",
                catalogue.template_count(),
                locales.join(", "),
                catalogue.default_locale()
            );
            ExitCode::SUCCESS
        }
        Err(CatalogueError::Templates(problems)) => {
            for problem in problems.iter() {
                eprintln!("{problem}");
            }
            eprintln!("{dir}: {} problem(s); the functions would fail their cold start", problems.0.len());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("{dir}: {err}");
            ExitCode::FAILURE
        }
    }
}
