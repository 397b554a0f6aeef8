//! The use cases (application services): load through the ports, decide with the rules, write
//! through the ports. Each is a plain async function; handlers call them and map errors once.

pub mod appeals;
pub mod complaints;
pub mod contracts;
pub mod feedback;
pub mod policies;
pub mod standing;
pub mod sweep;
pub mod transparency;

use crate::error::DomainError;

/// A missing thing, as a 404.
pub(crate) fn found<T>(
    value: Option<T>,
    what: &'static str,
    id: &impl std::fmt::Display,
) -> Result<T, DomainError> {
    value.ok_or_else(|| DomainError::not_found(what, id))
}
