//! `POST /freelancers/{id}/appeals` and a reviewer's decision on an appeal.

use super::json::{FromJson, Object};
use crate::error::ApiError;
use serde_json::Value;
use standing_domain::usecases::appeals::{DecideAppeal, FileAppeal};

impl FromJson for FileAppeal {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["sanction_id", "kind", "statement"])?;
        Ok(FileAppeal {
            sanction_id: o.required("sanction_id")?,
            kind: o.required("kind")?,
            statement: o.required("statement")?,
        })
    }
}

impl FromJson for DecideAppeal {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["outcome", "note"])?;
        Ok(DecideAppeal {
            outcome: o.required("outcome")?,
            note: o.defaulted("note")?,
        })
    }
}
