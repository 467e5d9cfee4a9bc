//! Reading a directory of override templates (`MESSAGE_TEMPLATES_DIR`).
//!
//! Layout: `<dir>/<locale>/<kind><part>` (`de/sign-up.html`, `pt-br/forgot-password.sms.txt`)
//! replaces or adds one message part; `<dir>/<file>.html|.txt` replaces or adds a shared template
//! (`layout.html`). Anything else is a mistake worth reporting (a misspelt file would otherwise be
//! silently ignored and the built-in sent instead); `*.md` files and dot-files are skipped.

use std::fs;
use std::path::{Path, PathBuf};

use crate::kind::{MessageKind, parse_file_name};
use crate::locale::normalise;
use crate::problem::Problems;

/// One template read from the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideFile {
    /// The template name it is registered under: `de/sign-up.html`, `layout.html`.
    pub name: String,
    /// The locale it belongs to; `None` for a shared template.
    pub locale: Option<String>,
    pub path: PathBuf,
    pub source: String,
}

/// What a file in a locale directory may be called, every kind named (from [`MessageKind::ALL`],
/// so that a new kind is listed without anyone remembering to).
fn known_parts() -> String {
    let stems = |email_only: bool| {
        MessageKind::ALL
            .iter()
            .filter(|k| k.email_only() == email_only)
            .map(|k| k.stem())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "<kind>.subject.txt, <kind>.html, <kind>.txt or <kind>.sms.txt with kind one of {}; \
         <kind>.subject.txt, <kind>.html or <kind>.txt (e-mail only) with kind one of {}",
        stems(false),
        stems(true)
    )
}

fn skipped(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".md")
}

/// Entries of `dir` sorted by name (a stable order of problems and of registration).
fn entries(dir: &Path, problems: &mut Problems) -> Vec<(String, PathBuf)> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(err) => {
            problems.push(dir.display().to_string(), None, format!("cannot read the directory: {err}"));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in read {
        match entry {
            Ok(entry) => match entry.file_name().into_string() {
                Ok(name) if skipped(&name) => {}
                Ok(name) => found.push((name, entry.path())),
                Err(_) => problems.push(entry.path().display().to_string(), None, "the file name is not UTF-8"),
            },
            Err(err) => problems.push(dir.display().to_string(), None, format!("cannot list the directory: {err}")),
        }
    }
    found.sort();
    found
}

fn read(path: &Path, problems: &mut Problems) -> Option<String> {
    fs::read_to_string(path)
        .map_err(|err| problems.push(path.display().to_string(), None, format!("cannot read the file: {err}")))
        .ok()
}

/// Every template in `dir`; what cannot be used is reported in `problems`.
pub fn read_dir(dir: &Path, problems: &mut Problems) -> Vec<OverrideFile> {
    let mut files = Vec::new();
    for (name, path) in entries(dir, problems) {
        if path.is_dir() {
            let Some(locale) = normalise(&name) else {
                problems.push(
                    path.display().to_string(),
                    None,
                    "not a locale directory: expected a language tag such as en, de or pt-br",
                );
                continue;
            };
            for (file, file_path) in entries(&path, problems) {
                if file_path.is_dir() {
                    problems.push(file_path.display().to_string(), None, "subdirectories of a locale are not read");
                } else if parse_file_name(&file).is_none() {
                    problems.push(
                        file_path.display().to_string(),
                        None,
                        format!("not a message template: expected {}", known_parts()),
                    );
                } else if let Some(source) = read(&file_path, problems) {
                    let name = format!("{locale}/{file}");
                    files.push(OverrideFile { name, locale: Some(locale.clone()), path: file_path, source });
                }
            }
        } else if name.ends_with(".html") || name.ends_with(".txt") {
            if let Some(source) = read(&path, problems) {
                files.push(OverrideFile { name, locale: None, path, source });
            }
        } else {
            problems.push(
                path.display().to_string(),
                None,
                "unexpected file: the directory holds locale directories and shared .html/.txt templates",
            );
        }
    }
    files
}
