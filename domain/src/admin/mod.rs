//! Administration: accounts and their devices, the password policy, audit events, retention
//! and the import of an existing caseload — the rules, with no I/O.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod import;
pub mod retention;
pub mod signin;
