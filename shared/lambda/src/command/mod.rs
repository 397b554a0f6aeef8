//! The request bodies of the HTTP contract (api.md), read into the use cases' commands: one file
//! per concept, beside `body/` (the response side). The domain's commands know nothing of JSON;
//! each is read here through [`FromJson`], field by field, with every value parsed by the
//! domain's own constructor, so a field error names its path and says what to send, and a
//! renamed domain field changes a line here, never the contract.

mod appeal;
mod complaint;
mod contract;
mod feedback;
pub mod json;
mod policy;

pub use feedback::{ConsentToChange, RespondToFeedback};
pub use json::{FromJson, Object};
pub use policy::{Activation, policy_config};

use crate::error::ApiError;

/// Reads the command `T` from a whole body already read as JSON (field paths from its root).
pub fn read<T: FromJson>(body: serde_json::Value) -> Result<T, ApiError> {
    T::from_json(body, "")
}
