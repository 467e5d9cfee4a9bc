//! The integration tests of this package, one module per file beside this one, in one
//! executable: every test executable is a link of its own (with the AWS SDK clients, ~35 MB in a
//! dev build), so one per package instead of one per file saves CI disk and link time
//! (docs/build.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod faults;
mod handler;
