//! `PUT /contracts/{contract_id}`: the marketplace registers or updates a contract.

use super::json::{FromJson, Object};
use crate::error::ApiError;
use serde_json::Value;
use standing_domain::usecases::contracts::RegisterContract;

impl FromJson for RegisterContract {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let accepted = [
            "client_id",
            "freelancer_id",
            "started_at",
            "ended_at",
            "total_charged_minor",
            "currency",
        ];
        let mut o = Object::read(value, at, &accepted)?;
        Ok(RegisterContract {
            client_id: o.required("client_id")?,
            freelancer_id: o.required("freelancer_id")?,
            started_at: o.required("started_at")?,
            ended_at: o.optional("ended_at")?,
            total_charged_minor: o.required("total_charged_minor")?,
            currency: o.required("currency")?,
        })
    }
}
