//! The largest hash parameters this crate computes. A row past a bound is refused with
//! [`HashError::OutOfBounds`](crate::HashError::OutOfBounds) before any memory is allocated or
//! any round is run: a user store holds whatever someone once wrote into it, and one row with
//! `m=4194304` (4 GiB) or `$2b$31$` (2^31 rounds, days of CPU) must not take the function down.
//!
//! What the ceilings cost, measured with `cargo test --release -p legacy-passwords -- --ignored
//! --nocapture cost_at_the_bounds` on one core of an x86-64 build machine (2026, numbers in
//! docs/triggers/user-migration.md). Lambda gives a function CPU in proportion to its memory
//! (one full vCPU at 1,769 MB, about 1/14 of one at 128 MB), so the time at the ceiling scales
//! by that factor: the user-migration function is deployed with 1,024 MB for that reason.
//! Memory is what the hash allocates whatever the CPU share, so the memory ceilings are set to
//! fit a 128 MB function with its runtime (~30 MB).
//!
//! The ceilings cover the defaults of the systems users migrate from: Devise and Laravel
//! (bcrypt 10–12), Spring Security (bcrypt 10), argon2-cffi / passlib (Argon2id m=64 MiB, t=3,
//! p=4), OWASP's Argon2id choices (≤ 46 MiB), Keycloak (Argon2id 7 MiB, t=5; PBKDF2 27,500 to
//! 600,000), Django up to 6.0 (PBKDF2 1,200,000), Go and Node scrypt (N=2^14–2^15, r=8, p=1).
//! A hash past them (Django's Argon2 default of 100 MiB, for instance) is refused: the person
//! resets the password through the forgot-password flow, which migrates without one.

/// bcrypt cost (log2 of the rounds). Cost 12 ≈ 0.25 s on one core; each step doubles it.
pub const BCRYPT_MAX_COST: u32 = 12;

/// Argon2 memory in KiB (64 MiB: allocated in full, on every verification).
pub const ARGON2_MAX_MEMORY_KIB: u32 = 64 * 1024;
/// Argon2 passes over that memory.
pub const ARGON2_MAX_ITERATIONS: u32 = 10;
/// Argon2 lanes. Computed one after the other here (no threads), so they add no memory or time
/// beyond m × t; the bound only refuses nonsense.
pub const ARGON2_MAX_PARALLELISM: u32 = 16;
/// Argon2 work, memory × passes in KiB: 64 MiB × 3 ≈ 0.2 s on one core. This is the bound that
/// matters for time; the separate ones above refuse a single absurd value.
pub const ARGON2_MAX_WORK_KIB: u64 = 3 * 64 * 1024;

/// PBKDF2-HMAC-SHA256 iterations: 1,200,000 (Django 6.0's default) ≈ 0.5 s on one core.
pub const PBKDF2_MAX_ITERATIONS: u32 = 1_200_000;
/// Derived key length in bytes (a longer one only costs more blocks of the same iterations).
pub const PBKDF2_MAX_OUTPUT_LEN: usize = 64;

/// scrypt log2(N). 2^20 would allocate 1 GiB at r=8.
pub const SCRYPT_MAX_LOG_N: u8 = 20;
/// scrypt block size r.
pub const SCRYPT_MAX_R: u32 = 32;
/// scrypt parallelism p (computed one after the other: time, not memory).
pub const SCRYPT_MAX_P: u32 = 16;
/// scrypt memory, 128 × r × N bytes: 32 MiB (N=2^15, r=8) ≈ 0.1 s on one core.
pub const SCRYPT_MAX_MEMORY_BYTES: u64 = 32 * 1024 * 1024;
/// scrypt work, 128 × r × N × p bytes: twice the memory ceiling.
pub const SCRYPT_MAX_WORK_BYTES: u64 = 64 * 1024 * 1024;
