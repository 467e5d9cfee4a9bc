//! The running invocation's correlation fields, written at the head of every log line under the
//! names Powertools for AWS Lambda gives them (its Logger's Lambda context keys and
//! `xray_trace_id`), so that the log queries a team already runs find our lines too:
//!
//! - `function_request_id`: Lambda's request id of the invocation;
//! - `cold_start`: `true` on the first invocation of a sandbox that Lambda started for it;
//! - `xray_trace_id`: the `Root` of the X-Ray trace header (`1-5759e988-bd862e3fe1be46a994272793`),
//!   when Lambda passed one.
//!
//! Lambda hands a sandbox one invocation at a time (and `lambda_runtime::run` serves them one by
//! one; its `run_concurrent` would need these fields per task), so one process-wide value is the
//! running invocation's, whichever thread logs (a `spawn_blocking` hash included). Lines written
//! outside an invocation (init) carry none of them. The values come from Lambda and none is
//! personal; all the same, only ASCII letters, digits and `-` are kept of them, so that no header
//! can break a line's JSON or put anything else into it.

use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};

use crate::xray::TraceHeader;

/// The JSON members of the running invocation (empty outside one), without braces.
static FIELDS: Mutex<String> = Mutex::new(String::new());

/// Every line written until [`end`] carries these fields.
pub fn begin(request_id: &str, trace_header: Option<&str>, cold_start: bool) {
    let fields = render(request_id, trace_header, cold_start);
    *FIELDS.lock().unwrap_or_else(PoisonError::into_inner) = fields;
}

/// The invocation has answered: later lines carry no invocation's fields.
pub fn end() {
    FIELDS.lock().unwrap_or_else(PoisonError::into_inner).clear();
}

/// The fields as JSON members:
/// `"function_request_id":"…","cold_start":true,"xray_trace_id":"1-…"`.
fn render(request_id: &str, trace_header: Option<&str>, cold_start: bool) -> String {
    let mut fields = String::with_capacity(128);
    fields.push_str("\"function_request_id\":\"");
    push_token(&mut fields, request_id);
    fields.push_str(if cold_start { "\",\"cold_start\":true" } else { "\",\"cold_start\":false" });
    if let Some(trace) = trace_header.and_then(TraceHeader::parse) {
        fields.push_str(",\"xray_trace_id\":\"");
        push_token(&mut fields, trace.root);
        fields.push('"');
    }
    fields
}

fn push_token(out: &mut String, value: &str) {
    out.extend(value.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-'));
}

/// Writes one JSON log line (`{…}\n`) with the running invocation's fields put first inside it.
pub(super) fn write_line(out: &mut impl Write, line: &str) -> io::Result<()> {
    let fields = FIELDS.lock().unwrap_or_else(PoisonError::into_inner);
    match line.strip_prefix('{') {
        Some(rest) if !fields.is_empty() => {
            out.write_all(b"{")?;
            out.write_all(fields.as_bytes())?;
            if !rest.starts_with('}') {
                out.write_all(b",")?;
            }
            out.write_all(rest.as_bytes())
        }
        _ => out.write_all(line.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `begin`/`end` act on the process-wide value: the tests that touch it run in this one test.
    #[test]
    fn lines_carry_the_invocations_fields_between_begin_and_end() {
        let written = |line: &str| {
            let mut out = Vec::new();
            write_line(&mut out, line).unwrap();
            String::from_utf8(out).unwrap()
        };
        let line = "{\"level\":\"INFO\",\"message\":\"answered\"}\n";
        assert_eq!(written(line), line, "outside an invocation");

        begin("8f5e-01", Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"), true);
        let with_fields = written(line);
        let parsed: serde_json::Value = serde_json::from_str(&with_fields).unwrap();
        assert_eq!(parsed["function_request_id"], "8f5e-01");
        assert_eq!(parsed["xray_trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(parsed["cold_start"], true);
        assert_eq!(parsed["message"], "answered");
        assert!(with_fields.ends_with("}\n"));
        assert_eq!(
            written("{}\n"),
            "{\"function_request_id\":\"8f5e-01\",\"cold_start\":true,\"xray_trace_id\":\"1-5759e988-bd862e3fe1be46a994272793\"}\n"
        );

        begin("8f5e-02", None, false);
        let parsed: serde_json::Value = serde_json::from_str(&written(line)).unwrap();
        assert_eq!(parsed["function_request_id"], "8f5e-02");
        assert_eq!(parsed["cold_start"], false);
        assert!(parsed.get("xray_trace_id").is_none(), "no trace header, no field");

        end();
        assert_eq!(written(line), line, "after the invocation");
    }

    #[test]
    fn header_values_cannot_break_the_line() {
        let fields = render("id\",\"admin\":true", Some("Root=1-ab\"}{;Sampled=1"), false);
        assert_eq!(fields, "\"function_request_id\":\"idadmintrue\",\"cold_start\":false,\"xray_trace_id\":\"1-ab\"");
        let fields = render("r", Some("Parent=53995c3f42cd8ad8;Sampled=0"), false);
        assert!(!fields.contains("xray_trace_id"), "a header without a Root names no trace: {fields}");
    }
}
