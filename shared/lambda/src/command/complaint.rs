//! `POST /freelancers/{id}/complaints` and a reviewer's decision on a complaint.

use super::json::{FromJson, Object};
use crate::error::ApiError;
use serde_json::Value;
use standing_domain::usecases::complaints::{DecideComplaint, FileComplaint};

impl FromJson for FileComplaint {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let accepted = ["category", "claim", "statement", "evidence"];
        let mut o = Object::read(value, at, &accepted)?;
        Ok(FileComplaint {
            category: o.required("category")?,
            claim: o.required("claim")?,
            statement: o.required("statement")?,
            evidence: o.defaulted("evidence")?,
        })
    }
}

impl FromJson for DecideComplaint {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["outcome", "terms_clause", "note"])?;
        Ok(DecideComplaint {
            outcome: o.required("outcome")?,
            terms_clause: o.required("terms_clause")?,
            note: o.defaulted("note")?,
        })
    }
}
