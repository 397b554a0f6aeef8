//! The history line format of `standing import` and `standing generate`: JSON Lines, one fact a
//! line, each with the moment it happened (`at`), in the order they happened. Every field is
//! parsed into the domain's own types, so a line is either a valid fact or refused with the
//! field that is wrong. The README documents it; `shared/local/examples/history.jsonl` is one.
//!
//! The marketplace's own ids name contracts; complaints and appeals are named by what they are
//! about (the freelancer, the reporter and the claim; the freelancer and the kind of appeal),
//! because a marketplace's history does not know the ids Standing derives for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{PrivatePart, PublicPart};
use standing_domain::{
    AppealKind, AppealOutcome, ClaimText, ComplaintCategory, ComplaintOutcome, ContractId,
    Currency, Direction, EvidenceText, Note, ReportOutcome, ReportReason, ResponseText, Statement,
    TermsClause, UserId,
};

/// One fact of a marketplace's history: `fact` names the kind, the rest are its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    Contract(ContractFact),
    Feedback(FeedbackFact),
    FeedbackChange(FeedbackChangeFact),
    Response(ResponseFact),
    Report(ReportFact),
    ReportDecision(ReportDecisionFact),
    Complaint(ComplaintFact),
    ComplaintDecision(ComplaintDecisionFact),
    Appeal(AppealFact),
    AppealDecision(AppealDecisionFact),
}

/// A contract as registered (or updated: its end) at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    pub total_charged_minor: u64,
    pub currency: Currency,
}

/// End-of-contract feedback `by` one side; `private` for the client's only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub by: Direction,
    pub public: PublicPart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<PrivatePart>,
}

/// A new public version of the client's feedback, with the freelancer's consent (§5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackChangeFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub public: PublicPart,
}

/// The freelancer's response to the client's feedback (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub text: ResponseText,
}

/// The freelancer reports the client's feedback (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub reason: ReportReason,
    #[serde(default)]
    pub details: Note,
}

/// A reviewer's decision on that report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDecisionFact {
    pub at: DateTime<Utc>,
    pub contract_id: ContractId,
    pub reviewer: UserId,
    pub outcome: ReportOutcome,
    #[serde(default)]
    pub note: Note,
}

/// A client's complaint that the freelancer misrepresents their background (§7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintFact {
    pub at: DateTime<Utc>,
    pub freelancer_id: UserId,
    pub reporter_id: UserId,
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub statement: Statement,
    #[serde(default)]
    pub evidence: Vec<EvidenceText>,
}

/// A reviewer's decision on the open complaint of that reporter on that claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionFact {
    pub at: DateTime<Utc>,
    pub freelancer_id: UserId,
    pub reporter_id: UserId,
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub reviewer: UserId,
    pub outcome: ComplaintOutcome,
    pub terms_clause: TermsClause,
    #[serde(default)]
    pub note: Note,
}

/// The freelancer appeals their sanction in force at `at`: a reinstatement of the quality
/// block, or a contest of the latest sanction (§8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealFact {
    pub at: DateTime<Utc>,
    pub freelancer_id: UserId,
    pub kind: AppealKind,
    pub statement: Statement,
}

/// A reviewer's decision on the freelancer's pending appeal of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionFact {
    pub at: DateTime<Utc>,
    pub freelancer_id: UserId,
    pub kind: AppealKind,
    pub reviewer: UserId,
    pub outcome: AppealOutcome,
    #[serde(default)]
    pub note: Note,
}

/// One kind's fields, naming the failing field's path.
fn typed<T: serde::de::DeserializeOwned>(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<T, String> {
    serde_path_to_error::deserialize(serde_json::Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            inner.to_string()
        } else {
            format!("`{path}`: {inner}")
        }
    })
}

impl Fact {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Fact::Contract(f) => f.at,
            Fact::Feedback(f) => f.at,
            Fact::FeedbackChange(f) => f.at,
            Fact::Response(f) => f.at,
            Fact::Report(f) => f.at,
            Fact::ReportDecision(f) => f.at,
            Fact::Complaint(f) => f.at,
            Fact::ComplaintDecision(f) => f.at,
            Fact::Appeal(f) => f.at,
            Fact::AppealDecision(f) => f.at,
        }
    }

    /// Reads one line: a JSON object with a `fact` kind and that kind's fields. The error is a
    /// sentence naming the field.
    pub fn parse(line: &str) -> Result<Fact, String> {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
        let serde_json::Value::Object(mut object) = value else {
            return Err(
                "not a JSON object: a line is one object `{\"fact\": ..., ...}`".to_owned(),
            );
        };
        let kind = match object.remove("fact") {
            Some(serde_json::Value::String(kind)) => kind,
            Some(_) => return Err("`fact` must be a string naming the kind of fact".to_owned()),
            None => {
                return Err("`fact` is missing: name the kind of fact, one of `contract`, `feedback`, `feedback_change`, `response`, `report`, `report_decision`, `complaint`, `complaint_decision`, `appeal`, `appeal_decision`".to_owned());
            }
        };
        Ok(match kind.as_str() {
            "contract" => Fact::Contract(typed(object)?),
            "feedback" => Fact::Feedback(typed(object)?),
            "feedback_change" => Fact::FeedbackChange(typed(object)?),
            "response" => Fact::Response(typed(object)?),
            "report" => Fact::Report(typed(object)?),
            "report_decision" => Fact::ReportDecision(typed(object)?),
            "complaint" => Fact::Complaint(typed(object)?),
            "complaint_decision" => Fact::ComplaintDecision(typed(object)?),
            "appeal" => Fact::Appeal(typed(object)?),
            "appeal_decision" => Fact::AppealDecision(typed(object)?),
            other => {
                return Err(format!(
                    "`fact` is `{other}`, which is not a kind of fact; use one of `contract`, `feedback`, `feedback_change`, `response`, `report`, `report_decision`, `complaint`, `complaint_decision`, `appeal`, `appeal_decision`"
                ));
            }
        })
    }

    /// The line, as `generate` writes it.
    pub fn to_line(&self) -> Result<String, String> {
        serde_json::to_string(self).map_err(|e| format!("cannot write the fact: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = r#"{"fact":"contract","at":"2026-01-02T00:00:00Z","contract_id":"c-1","client_id":"cl-1","freelancer_id":"fl-1","started_at":"2025-12-01T00:00:00Z","ended_at":"2026-01-02T00:00:00Z","total_charged_minor":50000,"currency":"USD"}"#;

    #[test]
    fn a_contract_line_reads_as_a_contract_and_writes_back_the_same() {
        let fact = Fact::parse(CONTRACT).unwrap();
        assert!(matches!(fact, Fact::Contract(_)));
        assert_eq!(Fact::parse(&fact.to_line().unwrap()).unwrap(), fact);
    }

    #[test]
    fn a_bad_line_is_refused_with_a_sentence_naming_the_field() {
        let unknown =
            Fact::parse(r#"{"fact":"contract","at":"2026-01-02T00:00:00Z"}"#).unwrap_err();
        assert!(unknown.contains("contract_id"), "{unknown}");
        let kind = Fact::parse(r#"{"fact":"rumour","at":"2026-01-02T00:00:00Z"}"#).unwrap_err();
        assert!(kind.contains("rumour"), "{kind}");
        let extra = CONTRACT.replace("\"currency\"", "\"tip\":1,\"currency\"");
        assert!(Fact::parse(&extra).unwrap_err().contains("tip"));
        let money = CONTRACT.replace("50000", "-5");
        assert!(
            Fact::parse(&money)
                .unwrap_err()
                .contains("total_charged_minor")
        );
        assert!(Fact::parse("{} {}").is_err());
        assert!(Fact::parse("not json").is_err());
    }
}
