//! One module per route.

pub mod caseload;
pub mod login;
pub mod new_person;
pub mod person;
