//! A sanction's statement of reasons in the submission schema of the EU DSA Transparency
//! Database (Article 24(5) DSA): the field names and enumeration values of its statement API as
//! of the category/keyword revision "v2" (2025), where `STATEMENT_CATEGORY_OTHER_VIOLATION_TC`
//! replaced `STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE`. No personal data: no freelancer,
//! client or reviewer id, no evidence ids, and for complaints no claim text (the database is
//! public); `puid` is the sanction id, which the marketplace can resolve.
//!
//! The mapping (README, "Transparency"):
//! - `blocked_new_work` and `restricted` → `DECISION_PROVISION_PARTIAL_SUSPENSION` (no new
//!   proposals or contracts; running contracts go on); `restricted` also labels the profile's
//!   disputed credentials (`DECISION_VISIBILITY_CONTENT_LABELLED`);
//!   `permanently_blocked` → `DECISION_PROVISION_PARTIAL_TERMINATION`. `warned` restricts
//!   nothing and has no statement.
//! - Ground: the terms (`DECISION_GROUND_INCOMPATIBLE_CONTENT`), never illegality; the ground
//!   names the rule and policy version, not the clause a reviewer typed (free text).
//! - Automated: a rule's block is detected and decided automatically (`Yes`,
//!   `AUTOMATED_DECISION_FULLY`); a complaint's sanction is notified by clients and decided by a
//!   reviewer (`No`, `AUTOMATED_DECISION_NOT_AUTOMATED`, `SOURCE_TYPE_OTHER_NOTIFICATION`).

use crate::body::PageBody;
use serde::Serialize;
use standing_domain::model::{DecidedBy, RuleId, Sanction, Standing, StatedReasons};
use standing_domain::paging::Page;

/// The schema revision followed.
pub const SCHEMA: &str = "DSA Transparency Database statement API, categories v2";

/// The 27 EU member states, the default territorial scope.
pub const EU: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// One statement, as the database's `POST /api/v1/statement` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decision_visibility: Vec<&'static str>,
    pub decision_provision: &'static str,
    /// Open-ended: it lasts until lifted (reinstatement is not automatic), so it is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_service_restriction: Option<String>,
    pub account_type: &'static str,
    pub decision_ground: &'static str,
    pub incompatible_content_ground: String,
    pub incompatible_content_explanation: String,
    pub incompatible_content_illegal: &'static str,
    pub category: &'static str,
    pub category_specification: Vec<&'static str>,
    pub category_specification_other: &'static str,
    pub content_type: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type_other: Option<&'static str>,
    pub content_date: String,
    pub application_date: String,
    pub decision_facts: String,
    pub territorial_scope: Vec<&'static str>,
    pub source_type: &'static str,
    pub automated_detection: &'static str,
    pub automated_decision: &'static str,
    pub puid: String,
}

/// The statement of a sanction, or `None` for one that restricts nothing (`warned`).
pub fn statement_of(sanction: &Sanction) -> Option<Statement> {
    let provision = match sanction.kind {
        Standing::Good | Standing::Warned => return None,
        Standing::Restricted | Standing::BlockedNewWork => "DECISION_PROVISION_PARTIAL_SUSPENSION",
        Standing::PermanentlyBlocked => "DECISION_PROVISION_PARTIAL_TERMINATION",
    };
    let visibility = if sanction.kind == Standing::Restricted {
        vec!["DECISION_VISIBILITY_CONTENT_LABELLED"]
    } else {
        Vec::new()
    };
    let automated = sanction.decided_by == DecidedBy::Automated;
    let day = sanction.started_at.format("%Y-%m-%d").to_string();
    // The rule and the policy version, never the clause a reviewer typed: free text can name
    // people, and the database is public (the marketplace maps rule and version to its clause).
    let ground = format!(
        "Rule {} of the marketplace's terms, policy {}",
        sanction.rule, sanction.policy_version
    );
    let (specification, content_type, content_type_other, facts) = match sanction.rule {
        // The quality statement holds counts, percentages, areas and dates only.
        RuleId::QualityMultipleNegative => (
            "Work fell short of what was agreed, by the feedback of several clients",
            vec!["CONTENT_TYPE_OTHER"],
            Some("Services offered on the marketplace"),
            sanction.statement.clone(),
        ),
        // Its statement quotes the freelancer's claim: the facts are told without it.
        RuleId::ComplaintsMisrepresentation => (
            "Misrepresented professional background (position, degree, license, certification or badge)",
            vec!["CONTENT_TYPE_TEXT"],
            None,
            format!(
                "Complaints from {} clients that the freelancer's profile misrepresents their professional background were found substantiated by a reviewer against the terms; {}",
                sanction.evidence.complaint_ids.len(),
                match sanction.kind {
                    Standing::Restricted => {
                        "the freelancer may send no new proposals and the profile flags the disputed credentials."
                    }
                    _ => "the freelancer may take on no new work; running contracts go on.",
                }
            ),
        ),
    };
    Some(Statement {
        decision_visibility: visibility,
        decision_provision: provision,
        end_date_service_restriction: None,
        account_type: "ACCOUNT_TYPE_BUSINESS",
        decision_ground: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        incompatible_content_ground: ground,
        incompatible_content_explanation: facts.clone(),
        incompatible_content_illegal: "No",
        category: "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        category_specification: vec!["KEYWORD_OTHER"],
        category_specification_other: specification,
        content_type,
        content_type_other,
        content_date: day.clone(),
        application_date: day,
        decision_facts: facts,
        territorial_scope: EU.to_vec(),
        source_type: if automated {
            "SOURCE_VOLUNTARY"
        } else {
            "SOURCE_TYPE_OTHER_NOTIFICATION"
        },
        automated_detection: if automated { "Yes" } else { "No" },
        automated_decision: if automated {
            "AUTOMATED_DECISION_FULLY"
        } else {
            "AUTOMATED_DECISION_NOT_AUTOMATED"
        },
        puid: sanction.sanction_id.to_string(),
    })
}

/// A page of `GET /transparency/statements`: each statement decided, in the database's schema.
/// Only sanctions that restrict the service are stated, so every one has a statement.
pub fn statements(page: Page<StatedReasons>) -> PageBody<Statement> {
    PageBody {
        items: page
            .items
            .iter()
            .filter_map(|stated| statement_of(&stated.sanction))
            .collect(),
        next_cursor: page.next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_domain::fixtures::{block_sanction, day, user};
    use standing_domain::{ComplaintId, TermsClause};

    /// The statement API's fields this export fills, and the values each enumeration allows
    /// (the schema named in [`SCHEMA`]).
    const ALLOWED: &[(&str, &[&str])] = &[
        (
            "decision_visibility",
            &[
                "DECISION_VISIBILITY_CONTENT_REMOVED",
                "DECISION_VISIBILITY_CONTENT_DISABLED",
                "DECISION_VISIBILITY_CONTENT_DEMOTED",
                "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
                "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
                "DECISION_VISIBILITY_CONTENT_LABELLED",
                "DECISION_VISIBILITY_OTHER",
            ],
        ),
        (
            "decision_provision",
            &[
                "DECISION_PROVISION_PARTIAL_SUSPENSION",
                "DECISION_PROVISION_TOTAL_SUSPENSION",
                "DECISION_PROVISION_PARTIAL_TERMINATION",
                "DECISION_PROVISION_TOTAL_TERMINATION",
            ],
        ),
        (
            "account_type",
            &["ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"],
        ),
        (
            "decision_ground",
            &[
                "DECISION_GROUND_ILLEGAL_CONTENT",
                "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            ],
        ),
        ("incompatible_content_illegal", &["Yes", "No"]),
        ("category", &["STATEMENT_CATEGORY_OTHER_VIOLATION_TC"]),
        ("category_specification", &["KEYWORD_OTHER"]),
        (
            "content_type",
            &[
                "CONTENT_TYPE_APP",
                "CONTENT_TYPE_AUDIO",
                "CONTENT_TYPE_IMAGE",
                "CONTENT_TYPE_PRODUCT",
                "CONTENT_TYPE_SYNTHETIC_MEDIA",
                "CONTENT_TYPE_TEXT",
                "CONTENT_TYPE_VIDEO",
                "CONTENT_TYPE_OTHER",
            ],
        ),
        (
            "source_type",
            &[
                "SOURCE_ARTICLE_16",
                "SOURCE_TRUSTED_FLAGGER",
                "SOURCE_TYPE_OTHER_NOTIFICATION",
                "SOURCE_VOLUNTARY",
            ],
        ),
        ("automated_detection", &["Yes", "No"]),
        (
            "automated_decision",
            &[
                "AUTOMATED_DECISION_FULLY",
                "AUTOMATED_DECISION_PARTIALLY",
                "AUTOMATED_DECISION_NOT_AUTOMATED",
            ],
        ),
    ];

    /// Every field the schema has that this export may fill.
    const FIELDS: &[&str] = &[
        "decision_visibility",
        "decision_provision",
        "end_date_service_restriction",
        "account_type",
        "decision_ground",
        "incompatible_content_ground",
        "incompatible_content_explanation",
        "incompatible_content_illegal",
        "category",
        "category_specification",
        "category_specification_other",
        "content_type",
        "content_type_other",
        "content_date",
        "application_date",
        "decision_facts",
        "territorial_scope",
        "source_type",
        "automated_detection",
        "automated_decision",
        "puid",
    ];

    fn complaints_sanction(kind: Standing) -> Sanction {
        let mut s = block_sanction("sn_c", day(40));
        s.kind = kind;
        s.rule = RuleId::ComplaintsMisrepresentation;
        s.decided_by = DecidedBy::Reviewer(user("rv-private-name"));
        s.terms_clause =
            Some(TermsClause::parse("ToS 4.2, reported by client cl-9 (Jane Roe)").unwrap());
        s.evidence.complaint_ids = vec![
            ComplaintId::parse("cp_1").unwrap(),
            ComplaintId::parse("cp_2").unwrap(),
        ];
        s.statement = "… the latest concerns the certification \"Jane Doe's Academy\".".into();
        s
    }

    fn check(statement: &Statement) -> serde_json::Value {
        let json = serde_json::to_value(statement).unwrap();
        for (field, value) in json.as_object().unwrap() {
            assert!(
                FIELDS.contains(&field.as_str()),
                "{field} is no field of the schema"
            );
            if let Some((_, allowed)) = ALLOWED.iter().find(|(f, _)| f == field) {
                let values: Vec<&str> = match value {
                    serde_json::Value::Array(list) => {
                        list.iter().map(|v| v.as_str().unwrap()).collect()
                    }
                    one => vec![one.as_str().unwrap()],
                };
                for v in values {
                    assert!(allowed.contains(&v), "{field}: {v} is not an allowed value");
                }
            }
        }
        for required in [
            "decision_ground",
            "category",
            "content_type",
            "content_date",
            "application_date",
            "decision_facts",
            "source_type",
            "automated_detection",
            "automated_decision",
            "puid",
            "incompatible_content_ground",
            "incompatible_content_explanation",
        ] {
            assert!(
                json.get(required).is_some_and(|v| !v.is_null()),
                "{required} missing"
            );
        }
        for date in ["content_date", "application_date"] {
            let text = json[date].as_str().unwrap();
            assert!(
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                "{date}: {text}"
            );
        }
        json
    }

    #[test]
    fn every_restricting_sanction_is_a_statement_with_the_schemas_fields_and_values() {
        let block = block_sanction("sn_q", day(40));
        let quality = check(&statement_of(&block).unwrap());
        assert_eq!(
            quality["decision_provision"],
            "DECISION_PROVISION_PARTIAL_SUSPENSION"
        );
        assert_eq!(quality["automated_decision"], "AUTOMATED_DECISION_FULLY");
        assert_eq!(quality["puid"], "sn_q");
        assert_eq!(quality["territorial_scope"].as_array().unwrap().len(), 27);
        for (kind, provision) in [
            (
                Standing::Restricted,
                "DECISION_PROVISION_PARTIAL_SUSPENSION",
            ),
            (
                Standing::PermanentlyBlocked,
                "DECISION_PROVISION_PARTIAL_TERMINATION",
            ),
        ] {
            let json = check(&statement_of(&complaints_sanction(kind)).unwrap());
            assert_eq!(json["decision_provision"], provision);
            assert_eq!(
                json["automated_decision"],
                "AUTOMATED_DECISION_NOT_AUTOMATED"
            );
            assert_eq!(json["automated_detection"], "No");
        }
    }

    #[test]
    fn a_warning_restricts_nothing_and_has_no_statement() {
        assert_eq!(statement_of(&complaints_sanction(Standing::Warned)), None);
    }

    #[test]
    fn a_statement_carries_no_personal_data() {
        let json = serde_json::to_string(
            &statement_of(&complaints_sanction(Standing::Restricted)).unwrap(),
        )
        .unwrap();
        // The reviewer's clause is free text (here naming a client): it stays out too.
        for personal in [
            "rv-private-name",
            "Jane Doe",
            "cp_1",
            "fl1",
            "cl-9",
            "Jane Roe",
        ] {
            assert!(!json.contains(personal), "{personal} leaks into {json}");
        }
        assert!(
            json.contains("Rule complaints.misrepresentation of the marketplace's terms"),
            "{json}"
        );
    }
}
