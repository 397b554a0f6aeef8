//! `PUT /policies/{version}` (a policy giving only the numbers it changes) and
//! `POST /policies/{version}/activate`.

use super::json::{FromJson, Object, string, whole_number};
use crate::error::ApiError;
use serde_json::Value;
use standing_domain::PolicyConfig;
use standing_domain::model::{PolicyMode, PolicyVersion};

/// The policy a `PUT /policies/{version}` body describes: the rule book's numbers, with those the
/// body names replaced. Its `version`, when given, is read as sent (the use case refuses one that
/// is not the path's); absent, it is the path's. The rules' own checks (a rising ladder, a
/// percentage at most 100) are the use case's.
pub fn policy_config(body: Value, path_version: &PolicyVersion) -> Result<PolicyConfig, ApiError> {
    let mut accepted = vec!["version"];
    accepted.extend_from_slice(PolicyConfig::NUMBERS);
    let mut o = Object::read(body, "", &accepted)?;
    let mut config = PolicyConfig {
        version: match o.raw("version") {
            Some(value) => string(value, "version")?,
            None => path_version.to_string(),
        },
        ..PolicyConfig::default()
    };
    for (name, value) in o.into_rest() {
        // Every name left is one of NUMBERS (Object::read refused any other).
        let max = PolicyConfig::number_max(&name).unwrap_or(u64::MAX);
        let n = whole_number(&value, &name, max)?;
        config
            .set_number(&name, n)
            .map_err(|e| ApiError::invalid_field(&name, e))?;
    }
    Ok(config)
}

/// `POST /policies/{version}/activate`'s body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activation {
    pub mode: PolicyMode,
}

impl FromJson for Activation {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["mode"])?;
        Ok(Activation {
            mode: o.required("mode")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version() -> PolicyVersion {
        PolicyVersion::parse("strict-2").unwrap()
    }

    #[test]
    fn a_policy_body_changes_only_the_numbers_it_names_under_the_paths_version() {
        let config = policy_config(json!({"quality_min_distinct_clients": 4}), &version()).unwrap();
        assert_eq!(config.version, "strict-2");
        assert_eq!(config.quality_min_distinct_clients, 4);
        assert_eq!(
            PolicyConfig {
                version: "rulebook-1".into(),
                quality_min_distinct_clients: 3,
                ..config
            },
            PolicyConfig::default()
        );
    }

    #[test]
    fn a_policy_number_its_field_cannot_hold_is_refused_with_the_fields_range() {
        let e = policy_config(json!({"negative_score_at_most": 300}), &version()).unwrap_err();
        assert_eq!(
            e.message(),
            "`negative_score_at_most` must be a whole number from 0 to 255 (got integer `300`)"
        );
        let e = policy_config(json!({"negative_score_at_most": -1}), &version()).unwrap_err();
        assert_eq!(
            e.message(),
            "`negative_score_at_most` must be a whole number from 0 to 255 (got integer `-1`)"
        );
        let e = policy_config(json!({"quality_window_days": "a year"}), &version()).unwrap_err();
        assert_eq!(e.details()["field"], "quality_window_days");
    }

    #[test]
    fn a_misspelt_policy_number_is_refused_not_left_at_its_default() {
        let e = policy_config(json!({"quality_min_distinct_client": 4}), &version()).unwrap_err();
        assert_eq!(e.details()["field"], "quality_min_distinct_client");
        assert!(
            e.message().contains("is not accepted here"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn an_activation_names_a_mode() {
        assert_eq!(
            super::super::read::<Activation>(json!({"mode": "shadow"})),
            Ok(Activation {
                mode: PolicyMode::Shadow
            })
        );
        let e = super::super::read::<Activation>(json!({"mode": "on"})).unwrap_err();
        assert_eq!(e.details()["field"], "mode");
    }
}
