//! The workspace's trigger binaries as Lambda starts them: which exist, their fixture events, the
//! local settings they all get (`local/functions.env`), and the process command that runs one
//! under a Runtime API (`AWS_LAMBDA_RUNTIME_API`). Shared by the log-leak test and the cold-start
//! benchmark, so both run the binaries the same way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::Error;

/// The repository's root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every binary of every `triggers/<name>` package: its `[[bin]]` names, else the package name
/// when it has a `src/main.rs`. Sorted.
pub fn trigger_binaries() -> Result<Vec<String>, Error> {
    let mut binaries = Vec::new();
    for package in std::fs::read_dir(workspace().join("triggers"))? {
        let dir = package?.path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else { continue };
        let mut section = String::new();
        let mut names = Vec::new();
        let mut package_name = None;
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
                continue;
            }
            let Some(value) = line.strip_prefix("name").map(str::trim).and_then(|r| r.strip_prefix('=')) else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            match section.as_str() {
                "[[bin]]" => names.push(value),
                "[package]" => package_name = Some(value),
                _ => {}
            }
        }
        if names.is_empty() && dir.join("src/main.rs").exists() {
            names.extend(package_name);
        }
        binaries.extend(names);
    }
    binaries.sort();
    Ok(binaries)
}

/// The fixtures of binary `name`: `tests/fixtures/events/<name>.json` and `<name>-*.json`, as
/// `(file name, event)`, sorted by file name (so `<name>.json`, the common path, comes first).
pub fn fixtures(name: &str) -> Result<Vec<(String, Value)>, Error> {
    let dir = workspace().join("tests/fixtures/events");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let file = entry?.file_name().to_string_lossy().into_owned();
        let ours = file == format!("{name}.json") || (file.starts_with(&format!("{name}-")) && file.ends_with(".json"));
        if ours {
            let event = serde_json::from_str(&std::fs::read_to_string(dir.join(&file))?)?;
            found.push((file, event));
        }
    }
    // `pre-signup.json` before `pre-signup-admin-….json`: compare without the extension.
    found.sort_by(|a, b| a.0.trim_end_matches(".json").cmp(b.0.trim_end_matches(".json")));
    Ok(found)
}

/// `local/functions.env`: the settings every binary gets locally (one file for all of them).
pub fn functions_env() -> Result<Vec<(String, String)>, Error> {
    let text = std::fs::read_to_string(workspace().join("local/functions.env"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), unquoted(value.trim()).to_owned()))
        .collect())
}

/// A value as the env-file parser reads it: one pair of surrounding quotes removed (a value with
/// an `=` inside must be quoted for `cargo lambda watch`).
fn unquoted(value: &str) -> &str {
    ['"', '\''].iter().find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q))).unwrap_or(value)
}

/// `target/<profile>/`: where cargo puts the workspace's binaries, next to `deps/` which holds
/// the running test or benchmark executable.
pub fn binaries_dir() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the running executable has no directory")?;
    Ok(match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    })
}

/// The command that starts `binary` (in `dir`) as Lambda would: a clean environment holding
/// `local/functions.env` (without the per-service endpoints: every client goes to `endpoint`),
/// the Lambda variables naming the function and `runtime_api`, and `RUST_LOG`. Output piped.
pub fn lambda_command(
    dir: &Path,
    binary: &str,
    runtime_api: &str,
    endpoint: &str,
    rust_log: &str,
) -> Result<Command, Error> {
    let path = dir.join(binary);
    if !path.is_file() {
        return Err(format!(
            "trigger binary `{binary}` is not built at {} (make test and make bench build every binary)",
            path.display()
        )
        .into());
    }
    let mut command = Command::new(&path);
    command.env_clear();
    for (name, value) in functions_env()?.into_iter().filter(|(name, _)| !name.starts_with("AWS_ENDPOINT_URL_")) {
        command.env(name, value);
    }
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("RUST_LOG", rust_log)
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", binary)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{binary}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(command)
}
