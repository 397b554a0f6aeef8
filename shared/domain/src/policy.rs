//! `PolicyConfig`: every number of the rule book, versioned, with the rule book's defaults.

use serde::{Deserialize, Serialize};

/// Declares the policy's numbers once: the struct, and the list and setter with which the HTTP
/// edge reads a body that names some of them (`PUT /policies/{version}`).
macro_rules! policy_numbers {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)+) => {
        /// The rule book's numbers. Read it with [`PolicyConfig::from_json`], which validates: a
        /// missing field takes its default, an unknown one is refused, and every number is checked.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct PolicyConfig {
            /// Names this set of numbers; every sanction records the version it was decided under.
            pub version: String,
            $($(#[$doc])* pub $field: $ty,)+
        }

        impl PolicyConfig {
            /// The names of the policy's numbers, in the order they are declared.
            pub const NUMBERS: &'static [&'static str] = &[$(stringify!($field)),+];

            /// The largest value the number named `field` can hold (`None`: no such number).
            pub fn number_max(field: &str) -> Option<u64> {
                match field {
                    $(stringify!($field) => Some(<$ty>::MAX.into()),)+
                    _ => None,
                }
            }

            /// Sets the number named `field` to `value`, refusing a value its type cannot hold
            /// (the rules' own checks are [`PolicyConfig::validate`]'s).
            pub fn set_number(&mut self, field: &str, value: u64) -> Result<(), PolicyNumberError> {
                match field {
                    $(stringify!($field) => {
                        self.$field = <$ty>::try_from(value)
                            .map_err(|_| PolicyNumberError::TooLarge { max: <$ty>::MAX.into() })?;
                    })+
                    _ => return Err(PolicyNumberError::Unknown),
                }
                Ok(())
            }
        }
    };
}

/// Why [`PolicyConfig::set_number`] refused a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyNumberError {
    #[error("is not one of the policy's numbers")]
    Unknown,
    #[error("must be a whole number from 0 to {max}")]
    TooLarge { max: u64 },
}

policy_numbers! {
    /// §2: days after a contract ends during which feedback may be left.
    feedback_window_days: u32,
    /// §3: a public score at or below this counts as negative in its area.
    negative_score_at_most: u8,
    /// §4: trailing window, by contract end, of the quality rule.
    quality_window_days: u32,
    /// §4: distinct clients with negative feedback needed for a block.
    quality_min_distinct_clients: u32,
    /// §4: negative contracts as a share of client-rated contracts, in percent, at least.
    quality_min_negative_percent: u32,
    /// §5: days the freelancer has to consent to a requested change.
    change_consent_days: u32,
    /// §5: days the client has, after consent, to submit the new public part.
    change_submit_days: u32,
    /// §6: days after reveal during which the freelancer may respond.
    response_window_days: u32,
    /// §7: distinct reporters with open complaints that open a review case.
    case_min_distinct_reporters: u32,
    /// §7: open complaints one reporter may have about one freelancer at a time.
    max_open_complaints_per_reporter: u32,
    /// §7: substantiated complaints from distinct reporters for each rung of the ladder.
    ladder_warned_at: u32,
    ladder_restricted_at: u32,
    ladder_permanently_blocked_at: u32,
    /// §8: calendar months from a block to the first reinstatement application.
    reinstatement_after_months: u32,
    /// §8: calendar months from a denial to the next reinstatement application.
    reapply_after_denial_months: u32,
    /// §8: calendar months after a sanction during which it can be contested.
    contest_within_months: u32,
    /// §8: days after which a pending appeal is flagged by the daily check.
    appeal_overdue_days: u32,
    /// §9: calendar months of contracts (by end) the JSS looks at.
    jss_window_months: u32,
    /// §9: minimum charged, in minor units, for a contract to count.
    jss_min_charged_minor: u64,
    /// §9: contracts charged below this (minor units) weigh `jss_weight_low_percent`.
    jss_mid_from_minor: u64,
    /// §9: contracts charged above this (minor units) weigh `jss_weight_high_percent`.
    jss_high_above_minor: u64,
    /// §9: weights in hundredths (100 = 1, 125 = 1.25, 150 = 1.5).
    jss_weight_low_percent: u32,
    jss_weight_mid_percent: u32,
    jss_weight_high_percent: u32,
    /// §9: an outcome is positive at this overall (in tenths: 40 = 4.0) or more…
    jss_positive_overall_tenths: u16,
    /// §9: …or at this recommendation or more.
    jss_positive_recommend: u8,
    /// §9: eligible contracts and distinct clients needed before a JSS is shown.
    jss_min_contracts: u32,
    jss_min_clients: u32,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            version: "rulebook-1".to_owned(),
            feedback_window_days: 14,
            negative_score_at_most: 2,
            quality_window_days: 365,
            quality_min_distinct_clients: 3,
            quality_min_negative_percent: 20,
            change_consent_days: 14,
            change_submit_days: 14,
            response_window_days: 28,
            case_min_distinct_reporters: 2,
            max_open_complaints_per_reporter: 5,
            ladder_warned_at: 1,
            ladder_restricted_at: 2,
            ladder_permanently_blocked_at: 3,
            reinstatement_after_months: 6,
            reapply_after_denial_months: 6,
            contest_within_months: 6,
            appeal_overdue_days: 7,
            jss_window_months: 24,
            jss_min_charged_minor: 100,
            jss_mid_from_minor: 25_000,
            jss_high_above_minor: 100_000,
            jss_weight_low_percent: 100,
            jss_weight_mid_percent: 125,
            jss_weight_high_percent: 150,
            jss_positive_overall_tenths: 40,
            jss_positive_recommend: 8,
            jss_min_contracts: 2,
            jss_min_clients: 2,
        }
    }
}

/// What is wrong with a policy, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy field `{field}` {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("the policy is not valid JSON for PolicyConfig: {0}")]
    Json(String),
}

fn invalid(field: &'static str, problem: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        field,
        problem: problem.into(),
    }
}

impl PolicyConfig {
    /// Reads a policy from JSON; `{}` is the rule book's defaults.
    pub fn from_json(json: &str) -> Result<Self, PolicyError> {
        let policy: PolicyConfig =
            serde_json::from_str(json).map_err(|e| PolicyError::Json(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks every number; the first problem found is returned.
    pub fn validate(&self) -> Result<(), PolicyError> {
        // A version names storage keys and URLs: short, and plain.
        let plain = self
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if self.version.is_empty() || self.version.len() > 64 || !plain {
            return Err(invalid(
                "version",
                "must be 1 to 64 letters, digits, `.`, `_` or `-`",
            ));
        }
        let positive: [(&'static str, u64); 20] = [
            ("feedback_window_days", self.feedback_window_days.into()),
            ("quality_window_days", self.quality_window_days.into()),
            (
                "quality_min_distinct_clients",
                self.quality_min_distinct_clients.into(),
            ),
            ("change_consent_days", self.change_consent_days.into()),
            ("change_submit_days", self.change_submit_days.into()),
            ("response_window_days", self.response_window_days.into()),
            (
                "case_min_distinct_reporters",
                self.case_min_distinct_reporters.into(),
            ),
            (
                "max_open_complaints_per_reporter",
                self.max_open_complaints_per_reporter.into(),
            ),
            ("ladder_warned_at", self.ladder_warned_at.into()),
            (
                "reinstatement_after_months",
                self.reinstatement_after_months.into(),
            ),
            (
                "reapply_after_denial_months",
                self.reapply_after_denial_months.into(),
            ),
            ("contest_within_months", self.contest_within_months.into()),
            ("appeal_overdue_days", self.appeal_overdue_days.into()),
            ("jss_window_months", self.jss_window_months.into()),
            ("jss_weight_low_percent", self.jss_weight_low_percent.into()),
            ("jss_weight_mid_percent", self.jss_weight_mid_percent.into()),
            (
                "jss_weight_high_percent",
                self.jss_weight_high_percent.into(),
            ),
            ("jss_min_contracts", self.jss_min_contracts.into()),
            ("jss_min_clients", self.jss_min_clients.into()),
            (
                "jss_positive_overall_tenths",
                self.jss_positive_overall_tenths.into(),
            ),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(invalid(field, "must be greater than 0"));
            }
        }
        if !(1..=4).contains(&self.negative_score_at_most) {
            return Err(invalid(
                "negative_score_at_most",
                "must be from 1 to 4 (a score of 5 can never be negative)",
            ));
        }
        if self.quality_min_negative_percent > 100 {
            return Err(invalid(
                "quality_min_negative_percent",
                "must be at most 100",
            ));
        }
        if !(self.ladder_warned_at < self.ladder_restricted_at
            && self.ladder_restricted_at < self.ladder_permanently_blocked_at)
        {
            return Err(invalid(
                "ladder_restricted_at",
                "the ladder must rise: warned_at < restricted_at < permanently_blocked_at",
            ));
        }
        if self.jss_mid_from_minor > self.jss_high_above_minor {
            return Err(invalid(
                "jss_mid_from_minor",
                "must not be above jss_high_above_minor",
            ));
        }
        if !(10..=50).contains(&self.jss_positive_overall_tenths) {
            return Err(invalid(
                "jss_positive_overall_tenths",
                "must be from 10 to 50 (1.0 to 5.0)",
            ));
        }
        if self.jss_positive_recommend > 10 {
            return Err(invalid("jss_positive_recommend", "must be at most 10"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_json_object_is_the_rule_book() {
        assert_eq!(PolicyConfig::from_json("{}"), Ok(PolicyConfig::default()));
        assert_eq!(PolicyConfig::default().validate(), Ok(()));
    }

    #[test]
    fn a_threshold_of_zero_is_refused_with_the_field_named() {
        let err = PolicyConfig::from_json(r#"{"quality_min_distinct_clients": 0}"#).unwrap_err();
        assert!(
            err.to_string().contains("quality_min_distinct_clients"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_so_a_typo_cannot_silently_keep_a_default() {
        assert!(PolicyConfig::from_json(r#"{"quality_min_distinct_client": 4}"#).is_err());
    }

    #[test]
    fn a_ladder_that_does_not_rise_is_refused() {
        let err = PolicyConfig::from_json(r#"{"ladder_restricted_at": 3}"#).unwrap_err();
        assert!(err.to_string().contains("ladder"), "{err}");
    }

    #[test]
    fn every_number_of_the_policy_can_be_set_by_name_within_its_type() {
        let defaults = serde_json::to_value(PolicyConfig::default()).unwrap();
        let names: Vec<&str> = defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|name| *name != "version")
            .collect();
        let mut listed = PolicyConfig::NUMBERS.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, names, "NUMBERS lists every number of the struct");

        let mut p = PolicyConfig::default();
        p.set_number("quality_min_distinct_clients", 4).unwrap();
        assert_eq!(p.quality_min_distinct_clients, 4);
        assert_eq!(
            p.set_number("negative_score_at_most", 256),
            Err(PolicyNumberError::TooLarge { max: 255 })
        );
        assert_eq!(
            p.set_number("version", 1),
            Err(PolicyNumberError::Unknown),
            "the version is a name, not a number"
        );
        assert_eq!(
            p.negative_score_at_most, 2,
            "a refused number leaves the field"
        );
    }

    #[test]
    fn a_policy_round_trips_through_json() {
        let p = PolicyConfig {
            version: "strict-2".into(),
            quality_min_distinct_clients: 4,
            ..PolicyConfig::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(PolicyConfig::from_json(&json), Ok(p));
    }
}
