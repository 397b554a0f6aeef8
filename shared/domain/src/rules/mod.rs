//! The rule book, one module per rule, named as in `policy.md`.

pub mod access;
pub mod appeals;
pub mod change;
pub mod complaints;
pub mod contract;
pub mod eligibility;
pub mod feedback;
pub mod jss;
pub mod negative;
pub mod quality;
pub mod report;
pub mod response;
