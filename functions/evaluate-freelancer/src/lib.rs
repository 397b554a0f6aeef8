//! evaluate-freelancer: re-evaluates freelancers whose evidence changed (the table's stream) or
//! whose evaluation time alone may have changed (the hourly schedule), and serves the reads of
//! the outcome: standing, eligibility, profile and audit trail.

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::{Body, LambdaEvent, Request, Response};
use standing_domain::ports::{AppealStore, Clock, ComplaintStore, StandingStore, SweepStore};
use standing_domain::rules::access;
use standing_domain::usecases::standing;
use standing_domain::{DomainError, PolicyConfig, UserId};
use standing_lambda::body::{AuditEntryBody, EligibilityBody, PageBody, ProfileBody, StandingBody};
use standing_lambda::{
    ApiError, Incoming, Method, Outgoing, Route, StatusCode, actor, answer_http,
    batch_item_failures, changed_freelancers, json, page_request, respond, route, serve,
};

/// What this function does for each of its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Standing,
    Eligibility,
    Profile,
    Audit,
}

/// The routes this function serves (api.md, "evaluate-freelancer").
pub const ROUTES: &[Route<Op>] = &[
    Route::new(
        Method::GET,
        "/freelancers/{freelancer_id}/standing",
        Op::Standing,
    ),
    Route::new(
        Method::GET,
        "/freelancers/{freelancer_id}/eligibility",
        Op::Eligibility,
    ),
    Route::new(
        Method::GET,
        "/freelancers/{freelancer_id}/profile",
        Op::Profile,
    ),
    Route::new(Method::GET, "/freelancers/{freelancer_id}/audit", Op::Audit),
];

/// Handles one HTTP request. Never fails: every error is the contract's error response.
pub async fn handle_http<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    request: Request,
) -> Response<Body>
where
    S: StandingStore + ComplaintStore + AppealStore,
{
    respond(dispatch(store, clock, policy, &request).await)
}

async fn dispatch<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    request: &Request,
) -> Result<Response<Body>, ApiError>
where
    S: StandingStore + ComplaintStore + AppealStore,
{
    let (op, params) = route(ROUTES, request)?;
    let actor = actor(request)?;
    let freelancer: UserId = params.get("freelancer_id")?;
    let response = match op {
        Op::Standing => {
            let view = standing::standing(store, clock, policy, &actor, &freelancer).await?;
            json(StatusCode::OK, &StandingBody::from(view))
        }
        Op::Eligibility => {
            let view = standing::eligibility(store, clock, policy, &actor, &freelancer).await?;
            json(StatusCode::OK, &EligibilityBody::from(&view))
        }
        // Anyone signed in: the profile holds public data only.
        Op::Profile => {
            let page = page_request(request)?;
            let view = standing::profile(store, clock, policy, &freelancer, &page).await?;
            json(StatusCode::OK, &ProfileBody::from(view))
        }
        Op::Audit => {
            // Reviewers only, before the query is read (403 before 400).
            access::review(&actor, "read the audit trail")?;
            let page = page_request(request)?;
            let trail = standing::audit(store, &actor, &freelancer, &page).await?;
            json(StatusCode::OK, &PageBody::of(trail, AuditEntryBody::from))
        }
    };
    Ok(response)
}

/// Handles one batch of the table's stream: each freelancer named by an evidence record is
/// re-evaluated once; those whose evaluation fails are reported by the sequence number of their
/// first record, so Lambda retries from there while the others commit.
pub async fn handle_stream<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<StreamEvent>,
) -> DynamoDbEventResponse
where
    S: StandingStore + ComplaintStore + AppealStore,
{
    let changed = changed_freelancers(&event.payload);
    let mut failed = Vec::new();
    for change in changed {
        match standing::reevaluate(store, clock, policy, &change.freelancer_id).await {
            Ok(evaluation) => tracing::info!(
                freelancer = %change.freelancer_id,
                standing = %evaluation.standing,
                "re-evaluated"
            ),
            Err(e) => {
                tracing::error!(
                    freelancer = %change.freelancer_id,
                    sequence_number = %change.sequence_number,
                    error = %e,
                    "re-evaluation failed; reporting the record for retry"
                );
                failed.push(change.sequence_number);
            }
        }
    }
    batch_item_failures(failed)
}

/// Handles the hourly schedule: every freelancer whose stored evaluation is due by now (a reveal
/// at a window's close, a contract leaving the window) is evaluated again.
pub async fn handle_schedule<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<EventBridgeEvent>,
) -> Result<standing::DueReport, DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore,
{
    let report = standing::reevaluate_due(store, clock, policy).await?;
    tracing::info!(
        event_id = event.payload.id.as_deref().unwrap_or(""),
        reevaluated = report.reevaluated,
        "due re-evaluations done"
    );
    Ok(report)
}

/// One invocation, whichever its source: API Gateway, the stream or the hourly schedule.
pub async fn handle<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<Incoming>,
) -> Result<Outgoing, lambda_http::Error>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore,
{
    let LambdaEvent { payload, context } = event;
    match payload {
        Incoming::Http(request) => Ok(answer_http(request, context, |request| {
            handle_http(store, clock, policy, request)
        })
        .await),
        Incoming::Stream(batch) => Ok(Outgoing::Stream(
            handle_stream(store, clock, policy, LambdaEvent::new(batch, context)).await,
        )),
        Incoming::Schedule(scheduled) => {
            let report =
                handle_schedule(store, clock, policy, LambdaEvent::new(scheduled, context)).await?;
            Ok(Outgoing::Schedule(serde_json::to_value(report)?))
        }
    }
}

/// Serves invocations until the runtime stops. `main` calls it with the store built once.
pub async fn run_with<S>(
    store: S,
    clock: impl Clock,
    policy: PolicyConfig,
) -> Result<(), lambda_http::Error>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore,
{
    let (store, clock, policy) = (&store, &clock, &policy);
    serve(move |event| handle(store, clock, policy, event)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Context;
    use standing_lambda::testing::{FixedClock, NoStore, body_json, fixtures, request};

    const FREELANCER: Option<(&str, &str)> = Some(("fl-1", "[freelancer]"));

    async fn call(request: Request) -> (u16, serde_json::Value) {
        let response = handle_http(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            request,
        )
        .await;
        assert_eq!(response.headers()["content-type"], "application/json");
        (response.status().as_u16(), body_json(&response))
    }

    fn stream_batch() -> StreamEvent {
        serde_json::from_str(fixtures::STREAM_BATCH).unwrap()
    }

    #[tokio::test]
    async fn a_batch_with_no_evidence_records_reports_no_failures() {
        let mut batch = stream_batch();
        batch.records.retain(|r| {
            r.change
                .new_image
                .get("entity_type")
                .is_some_and(|t| serde_json::to_value(t).unwrap()["S"] == "standing")
        });
        assert_eq!(batch.records.len(), 1);
        let response = handle_stream(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(batch, Context::default()),
        )
        .await;
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn an_http_invocation_answers_in_api_gateways_response_shape() {
        let event = standing_lambda::testing::apigw_event(
            "GET",
            "/freelancers/fl-1/nothing",
            FREELANCER,
            None,
        );
        let incoming: Incoming = serde_json::from_value(event).unwrap();
        let out = handle(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(incoming, Context::default()),
        )
        .await
        .unwrap();
        let wire = serde_json::to_value(out).unwrap();
        assert_eq!(wire["statusCode"], 404);
        assert_eq!(wire["headers"]["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_str(wire["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }

    #[tokio::test]
    async fn the_reads_need_a_signed_in_caller() {
        for route in ["standing", "eligibility", "profile", "audit"] {
            let path = format!("/freelancers/fl-1/{route}");
            assert_eq!(
                call(request("GET", &path, None, None)).await.0,
                401,
                "{route}"
            );
        }
    }

    #[tokio::test]
    async fn the_audit_trail_is_refused_to_a_non_reviewer_before_the_store() {
        let (status, body) =
            call(request("GET", "/freelancers/fl-1/audit", FREELANCER, None)).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden");
    }

    #[tokio::test]
    async fn another_freelancers_standing_is_refused_before_the_store() {
        let (status, body) = call(request(
            "GET",
            "/freelancers/fl-2/standing",
            FREELANCER,
            None,
        ))
        .await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden");
    }

    #[tokio::test]
    async fn a_malformed_freelancer_id_is_400_and_a_write_method_is_405() {
        let (status, body) = call(request(
            "GET",
            "/freelancers/a%20b/standing",
            FREELANCER,
            None,
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "freelancer_id");
        let (status, body) = call(request(
            "POST",
            "/freelancers/fl-1/standing",
            FREELANCER,
            Some("{}"),
        ))
        .await;
        assert_eq!(status, 405);
        assert_eq!(
            body["error"]["details"]["allow"],
            serde_json::json!(["GET"])
        );
    }
}
