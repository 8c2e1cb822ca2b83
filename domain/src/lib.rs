//! Types and rules of Jalon, shared by the app (wasm32) and the server (native).
//!
//! This crate never does I/O: no clock, no network, no storage. Callers pass in what the rules
//! need (today's date, the schemes, the acting user), so every rule is a pure function that both
//! sides apply identically and that tests can call directly.

pub mod admin;
pub mod auth;
pub mod caseload;
pub mod codes;
pub mod communes;
#[rustfmt::skip]
mod communes_data;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod followup;
pub mod fse;
pub mod merge;
pub mod money;
pub mod notes;
pub mod orientation;
pub mod pathway;
pub mod people;
pub mod profile;
pub mod schemes;
pub mod supervision;
pub mod sync;
pub mod text;

pub use error::{FieldError, Invalid};
