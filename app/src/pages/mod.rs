//! One module per route.

pub mod caseload;
pub mod journal;
pub mod login;
pub mod new_person;
pub mod person;
