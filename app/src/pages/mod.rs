//! One module per route.

pub mod access_report;
pub mod accessibility;
pub mod account;
pub mod admin;
pub mod agenda;
pub mod agreements;
pub mod caseload;
pub mod cofinancing;
pub mod fse;
pub mod funds;
pub mod list_export;
pub mod login;
pub mod new_person;
pub mod partners;
pub mod person;
pub mod supervision;
