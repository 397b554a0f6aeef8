//! `POST /contracts/{id}/feedback`, its change, consent, response and report, and a reviewer's
//! decision on a report.

use super::json::{FromJson, Object};
use crate::error::ApiError;
use serde_json::Value;
use standing_domain::model::{PrivatePart, PublicPart};
use standing_domain::usecases::feedback::{
    ChangePublic, DecideReport, ReportFeedback, SubmitFeedback,
};
use standing_domain::{ResponseText, Scores};

impl FromJson for Scores {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let names = [
            "skills",
            "quality",
            "availability",
            "deadlines",
            "communication",
            "cooperation",
        ];
        let mut o = Object::read(value, at, &names)?;
        Ok(Scores {
            skills: o.required("skills")?,
            quality: o.required("quality")?,
            availability: o.required("availability")?,
            deadlines: o.required("deadlines")?,
            communication: o.required("communication")?,
            cooperation: o.required("cooperation")?,
        })
    }
}

impl FromJson for PublicPart {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["scores", "comment"])?;
        Ok(PublicPart {
            scores: o.required("scores")?,
            comment: o.required("comment")?,
        })
    }
}

impl FromJson for PrivatePart {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let accepted = ["reason_ended", "recommend", "dissatisfied_with", "note"];
        let mut o = Object::read(value, at, &accepted)?;
        Ok(PrivatePart {
            reason_ended: o.required("reason_ended")?,
            recommend: o.optional("recommend")?,
            dissatisfied_with: o.defaulted("dissatisfied_with")?,
            note: o.optional("note")?,
        })
    }
}

impl FromJson for SubmitFeedback {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["public", "private"])?;
        Ok(SubmitFeedback {
            public: o.required("public")?,
            private: o.optional("private")?,
        })
    }
}

/// `PATCH .../feedback/client`: a body naming `private` at all is refused as such (422),
/// whatever its public part looks like, so `public` is read only when `private` is absent.
impl FromJson for ChangePublic {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["public", "private"])?;
        if o.names("private") {
            return Ok(ChangePublic {
                public: None,
                touches_private: true,
            });
        }
        Ok(ChangePublic {
            public: o.optional("public")?,
            touches_private: false,
        })
    }
}

/// `POST .../change-consent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentToChange {
    pub consent: bool,
}

impl FromJson for ConsentToChange {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["consent"])?;
        Ok(ConsentToChange {
            consent: o.required("consent")?,
        })
    }
}

/// `PUT .../response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespondToFeedback {
    pub text: ResponseText,
}

impl FromJson for RespondToFeedback {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["text"])?;
        Ok(RespondToFeedback {
            text: o.required("text")?,
        })
    }
}

impl FromJson for ReportFeedback {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["reason", "details"])?;
        Ok(ReportFeedback {
            reason: o.required("reason")?,
            details: o.defaulted("details")?,
        })
    }
}

impl FromJson for DecideReport {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["outcome", "note"])?;
        Ok(DecideReport {
            outcome: o.required("outcome")?,
            note: o.defaulted("note")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scores() -> Value {
        json!({"skills":5,"quality":5,"availability":5,"deadlines":5,"communication":5,"cooperation":5})
    }

    fn field(e: ApiError) -> String {
        e.details()["field"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn feedback_with_a_private_part_reads_every_field_of_both() {
        let cmd = super::super::read::<SubmitFeedback>(json!({
            "public": {"scores": scores(), "comment": "  fine  "},
            "private": {"reason_ended": "quality_issues", "recommend": 3,
                        "dissatisfied_with": ["skills", "skills"], "note": "late"}
        }))
        .unwrap();
        assert_eq!(cmd.public.comment.as_str(), "fine", "text is trimmed");
        let private = cmd.private.unwrap();
        assert_eq!(private.recommend.map(u8::from), Some(3));
        assert_eq!(private.dissatisfied_with.iter().count(), 1);
        assert_eq!(
            private.note.map(|n| n.as_str().to_owned()),
            Some("late".into())
        );
    }

    #[test]
    fn a_bad_score_is_named_by_its_full_path() {
        let mut s = scores();
        s["skills"] = json!(0);
        let e =
            super::super::read::<SubmitFeedback>(json!({"public": {"scores": s, "comment": ""}}))
                .unwrap_err();
        assert_eq!(field(e.clone()), "public.scores.skills");
        assert_eq!(
            e.message(),
            "`public.scores.skills` must be a whole number from 1 to 5 (got 0)"
        );
    }

    #[test]
    fn a_patch_naming_private_touches_private_whatever_else_it_says() {
        for body in [
            json!({"private": {"note": "x"}}),
            json!({"private": null}),
            json!({"public": "not even an object", "private": {}}),
        ] {
            let cmd = super::super::read::<ChangePublic>(body.clone()).unwrap();
            assert!(cmd.touches_private, "{body}");
            assert!(cmd.public.is_none());
        }
    }

    #[test]
    fn a_patch_with_only_public_is_read_and_its_errors_are_named_under_public() {
        let cmd = super::super::read::<ChangePublic>(
            json!({"public": {"scores": scores(), "comment": "better"}}),
        )
        .unwrap();
        assert!(!cmd.touches_private);
        assert_eq!(cmd.public.unwrap().comment.as_str(), "better");
        let e =
            super::super::read::<ChangePublic>(json!({"public": {"comment": "x"}})).unwrap_err();
        assert_eq!(field(e), "public.scores");
        let cmd = super::super::read::<ChangePublic>(json!({})).unwrap();
        assert!(cmd.public.is_none() && !cmd.touches_private);
    }
}
