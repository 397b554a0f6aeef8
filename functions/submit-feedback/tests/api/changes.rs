//! After the feedback: a change of the client's public part (request, consent, new version),
//! the freelancer's one response, and reports that a reviewer decides.

use super::*;
use serde_json::json;

const CHANGE_REQUEST: &str = "/contracts/c-1/feedback/client/change-request";
const CHANGE_CONSENT: &str = "/contracts/c-1/feedback/client/change-consent";
const CLIENT_FEEDBACK: &str = "/contracts/c-1/feedback/client";
const RESPONSE: &str = "/contracts/c-1/feedback/client/response";
const REPORT: &str = "/contracts/c-1/feedback/client/report";

fn new_public() -> String {
    json!({ "public": body::public(3, "On reflection, the work was fine.") }).to_string()
}

#[tokio::test]
async fn a_change_goes_request_then_consent_then_a_new_public_version() {
    let api = Api::with_client_feedback().await;

    let requested = api.call("POST", CHANGE_REQUEST, CLIENT, None).await;
    assert_eq!(requested.status, 201, "{:?}", requested.body);
    assert_eq!(requested.body["requested_at"], "2026-10-29T00:00:00Z");

    api.clock.advance(Duration::days(2));
    let consented = api
        .call(
            "POST",
            CHANGE_CONSENT,
            FREELANCER,
            Some(r#"{"consent": true}"#),
        )
        .await;
    assert_eq!(consented.status, 200, "{:?}", consented.body);
    assert_eq!(consented.body["consent"]["given"], true);

    let changed = api
        .call("PATCH", CLIENT_FEEDBACK, CLIENT, Some(&new_public()))
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["public"]["overall"], 3.0);
    // The private part is untouched by a change of the public one.
    assert_eq!(changed.body["private"]["reason_ended"], "quality_issues");

    let seen = api.view(REVIEWER).await;
    assert_eq!(seen.body["client"]["version"], 2);
    assert_eq!(
        seen.body["client"]["public"]["comment"],
        "On reflection, the work was fine."
    );
    // Reviewers (and the author) see every version; the freelancer sees the public part as it
    // stands, without the history.
    let versions = &seen.body["client"]["versions"];
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(
        versions[1]["public"]["comment"],
        "On reflection, the work was fine."
    );
    assert_ne!(versions[0]["public"], versions[1]["public"]);
    assert_eq!(changed.body["versions"].as_array().map(Vec::len), Some(2));
    // Once the feedback window has closed, the freelancer sees the client's public part.
    api.clock.advance(Duration::days(60));
    let by_the_freelancer = api.view(FREELANCER).await;
    assert!(
        by_the_freelancer.body["client"].is_object(),
        "the freelancer sees the revealed client feedback: {:?}",
        by_the_freelancer.body
    );
    assert!(
        by_the_freelancer.body["client"].get("versions").is_none(),
        "{:?}",
        by_the_freelancer.body
    );
}

#[tokio::test]
async fn a_change_without_the_freelancers_consent_is_422_no_consent() {
    let api = Api::with_client_feedback().await;
    api.call("POST", CHANGE_REQUEST, CLIENT, None).await;
    let reply = api
        .call("PATCH", CLIENT_FEEDBACK, CLIENT, Some(&new_public()))
        .await;
    assert_eq!((reply.status, reply.code()), (422, "no_consent"));
}

#[tokio::test]
async fn a_change_touching_the_private_part_is_422_private_feedback_immutable() {
    let api = Api::with_client_feedback().await;
    // Even with the freelancer's consent.
    api.call(
        "POST",
        CHANGE_CONSENT,
        FREELANCER,
        Some(r#"{"consent": true}"#),
    )
    .await;
    let touching = json!({
        "public": body::public(5, "Great."),
        "private": {"reason_ended": "completed_successfully"}
    })
    .to_string();
    let reply = api
        .call("PATCH", CLIENT_FEEDBACK, CLIENT, Some(&touching))
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "private_feedback_immutable")
    );
    assert_eq!(api.view(CLIENT).await.body["client"]["version"], 1);
}

#[tokio::test]
async fn only_the_client_asks_for_a_change_once_and_only_the_freelancer_answers() {
    let api = Api::with_client_feedback().await;
    let by_freelancer = api.call("POST", CHANGE_REQUEST, FREELANCER, None).await;
    assert_eq!(
        (by_freelancer.status, by_freelancer.code()),
        (403, "forbidden")
    );

    assert_eq!(
        api.call("POST", CHANGE_REQUEST, CLIENT, None).await.status,
        201
    );
    let twice = api.call("POST", CHANGE_REQUEST, CLIENT, None).await;
    assert_eq!((twice.status, twice.code()), (409, "already_exists"));

    for caller in [CLIENT, OTHER_FREELANCER, REVIEWER] {
        let reply = api
            .call("POST", CHANGE_CONSENT, caller, Some(r#"{"consent": true}"#))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
}

#[tokio::test]
async fn a_consent_fourteen_days_after_the_request_is_too_late() {
    let api = Api::with_client_feedback().await;
    api.call("POST", CHANGE_REQUEST, CLIENT, None).await;
    api.clock.advance(Duration::days(14) + Duration::seconds(1));
    let reply = api
        .call(
            "POST",
            CHANGE_CONSENT,
            FREELANCER,
            Some(r#"{"consent": true}"#),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (422, "window_closed"));
    assert_eq!(
        reply.body["error"]["details"]["window"],
        "the consent window"
    );
}

#[tokio::test]
async fn the_freelancer_responds_once_after_the_reveal() {
    let api = Api::with_client_feedback().await;
    let text = r#"{"text": "The brief changed twice; I delivered what was asked."}"#;

    let too_early = api.call("PUT", RESPONSE, FREELANCER, Some(text)).await;
    assert_eq!((too_early.status, too_early.code()), (422, "not_revealed"));

    api.submit(FREELANCER, &body::freelancer_feedback()).await;
    let by_client = api.call("PUT", RESPONSE, CLIENT, Some(text)).await;
    assert_eq!((by_client.status, by_client.code()), (403, "forbidden"));

    let responded = api.call("PUT", RESPONSE, FREELANCER, Some(text)).await;
    assert_eq!(responded.status, 201, "{:?}", responded.body);
    assert_eq!(
        responded.body["text"],
        "The brief changed twice; I delivered what was asked."
    );

    let again = api.call("PUT", RESPONSE, FREELANCER, Some(text)).await;
    assert_eq!((again.status, again.code()), (409, "already_exists"));
    assert_eq!(
        api.view(CLIENT).await.body["client"]["response"]["text"],
        "The brief changed twice; I delivered what was asked."
    );
}

#[tokio::test]
async fn the_freelancer_reports_the_feedback_and_a_reviewer_removes_it() {
    // GIVEN revealed negative feedback
    let api = Api::with_both_feedbacks().await;
    let report = r#"{"reason": "irrelevant", "details": "About another project."}"#;

    // WHEN the freelancer reports it
    let filed = api.call("POST", REPORT, FREELANCER, Some(report)).await;
    // THEN the report is created with its id
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    let report_id = filed.body["report_id"].as_str().unwrap().to_owned();
    assert!(report_id.starts_with("rp_"), "{report_id}");
    assert_eq!(filed.body["reason"], "irrelevant");

    // AND it can be reported once, by the freelancer only
    let twice = api.call("POST", REPORT, FREELANCER, Some(report)).await;
    assert_eq!((twice.status, twice.code()), (409, "already_exists"));
    let by_client = api.call("POST", REPORT, CLIENT, Some(report)).await;
    assert_eq!((by_client.status, by_client.code()), (403, "forbidden"));

    // WHEN a reviewer removes it
    let decision = format!("/feedback-reports/{report_id}/decision");
    let removal = r#"{"outcome": "removed", "note": "Describes another contract."}"#;
    for caller in [CLIENT, FREELANCER, SERVICE] {
        let reply = api.call("POST", &decision, caller, Some(removal)).await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    let decided = api.call("POST", &decision, REVIEWER, Some(removal)).await;
    // THEN the decision stands and the feedback shows as removed
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    assert_eq!(decided.body["decision"]["outcome"], "removed");
    assert_eq!(decided.body["decision"]["reviewer"], "rev-eve");
    assert_eq!(api.view(REVIEWER).await.body["client"]["removed"], true);
    // AND it is decided once
    let again = api.call("POST", &decision, REVIEWER, Some(removal)).await;
    assert_eq!((again.status, again.code()), (409, "conflict"));
}

#[tokio::test]
async fn a_reviewer_may_not_decide_a_report_about_feedback_they_received() {
    let api = Api::with_both_feedbacks().await;
    let filed = api
        .call(
            "POST",
            REPORT,
            FREELANCER,
            Some(r#"{"reason": "manipulation"}"#),
        )
        .await;
    let decision = format!(
        "/feedback-reports/{}/decision",
        filed.body["report_id"].as_str().unwrap()
    );
    let themself = Some(("fl-bo", "[freelancer reviewer]"));
    let reply = api
        .call(
            "POST",
            &decision,
            themself,
            Some(r#"{"outcome": "removed"}"#),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (403, "forbidden"));
}

#[tokio::test]
async fn a_decision_on_a_report_nobody_filed_is_404_not_found() {
    let api = Api::with_both_feedbacks().await;
    let reply = api
        .call(
            "POST",
            "/feedback-reports/rp_nothing/decision",
            REVIEWER,
            Some(r#"{"outcome": "kept"}"#),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (404, "not_found"));
}
