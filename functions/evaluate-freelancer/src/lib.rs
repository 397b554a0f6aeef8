//! evaluate-freelancer: re-evaluates freelancers whose evidence changed (the table's stream) or
//! whose evaluation time alone may have changed (the hourly schedule), continues the rollout a
//! policy activation started (every schedule run, and a rule of its own every minute), and
//! serves the reads of the outcome: standing, eligibility, profile, audit trail, and a shadow
//! version's report.

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use futures_util::StreamExt as _;
use lambda_http::{Body, LambdaEvent, Request, Response};
use serde::Serialize;
use standing_domain::model::PolicyVersion;
use standing_domain::ports::{
    AppealStore, Clock, ComplaintStore, PolicyStore, StandingStore, SweepStore, TransparencyStore,
};
use standing_domain::rules::access;
use standing_domain::usecases::policies::{self, RolloutReport};
use standing_domain::usecases::{standing, transparency};
use standing_domain::{DomainError, PolicyConfig, UserId};
use standing_lambda::body::{
    AuditEntryBody, EligibilityBody, PageBody, ProfileBody, ShadowReportBody, StandingBody,
};
use standing_lambda::transparency::statements;
use standing_lambda::{
    ApiError, Incoming, Method, Outgoing, Route, StatusCode, actor, answer_http,
    batch_item_failures, changed_freelancers, json, page_request, query_time, respond, route,
    serve,
};

/// What this function does for each of its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Standing,
    Eligibility,
    Profile,
    Audit,
    ShadowReport,
    Statements,
    /// The OpenAPI document, to anyone (no token).
    OpenApi,
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
    Route::new(
        Method::GET,
        "/policies/{version}/shadow-report",
        Op::ShadowReport,
    ),
    Route::new(Method::GET, "/transparency/statements", Op::Statements),
    Route::new(Method::GET, standing_lambda::openapi::PATH, Op::OpenApi),
];

/// How far one scheduled run takes a policy rollout: pages of `page` standings, at most
/// `pages_per_run` of them (the rest is left to the next run, from the checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutLimits {
    pub page: usize,
    pub pages_per_run: u32,
}

impl Default for RolloutLimits {
    /// 100 standings a page, 5 pages a run: about 500 evaluations, well inside the function's
    /// 60 s timeout at a few milliseconds each; the rollout rule fires every minute, so a
    /// rollout moves at about 30,000 freelancers an hour.
    fn default() -> Self {
        Self {
            page: 100,
            pages_per_run: 5,
        }
    }
}

/// The rule of the template's schedule that only continues rollouts (every minute): its name
/// ends so. Every other scheduled event is the hourly run, which also continues them.
pub const ROLLOUT_RULE_SUFFIX: &str = "-policy-rollout";

/// Handles one HTTP request. Never fails: every error is the contract's error response.
pub async fn handle_http<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    request: Request,
) -> Response<Body>
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore + TransparencyStore,
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
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore + TransparencyStore,
{
    let (op, params) = route(ROUTES, request)?;
    // The one route without a token (the template's authorizer is off for it too).
    if *op == Op::OpenApi {
        return Ok(standing_lambda::openapi::response());
    }
    let actor = actor(request)?;
    let configured = policy;
    let response = match op {
        Op::Standing => {
            let freelancer: UserId = params.get("freelancer_id")?;
            let policies = policies::in_force(store, configured).await?;
            let view = standing::standing(store, clock, &policies, &actor, &freelancer).await?;
            json(StatusCode::OK, &StandingBody::from(view))
        }
        Op::Eligibility => {
            let freelancer: UserId = params.get("freelancer_id")?;
            let policies = policies::in_force(store, configured).await?;
            let view = standing::eligibility(store, clock, &policies, &actor, &freelancer).await?;
            json(StatusCode::OK, &EligibilityBody::from(&view))
        }
        // Anyone signed in: the profile holds public data only.
        Op::Profile => {
            let freelancer: UserId = params.get("freelancer_id")?;
            let page = page_request(request)?;
            let policy = &policies::in_force(store, configured).await?.live;
            let view = standing::profile(store, clock, policy, &freelancer, &page).await?;
            json(StatusCode::OK, &ProfileBody::from(view))
        }
        Op::Audit => {
            // Reviewers only, before the path or the query is read (403 before 400).
            access::review(&actor, "read the audit trail")?;
            let freelancer: UserId = params.get("freelancer_id")?;
            let page = page_request(request)?;
            let trail = standing::audit(store, &actor, &freelancer, &page).await?;
            json(StatusCode::OK, &PageBody::of(trail, AuditEntryBody::from))
        }
        Op::ShadowReport => {
            access::view_shadow_report(&actor)?;
            let version: PolicyVersion = params.get("version")?;
            let page = page_request(request)?;
            let report = policies::shadow_report(store, &actor, &version, &page).await?;
            json(
                StatusCode::OK,
                &ShadowReportBody::of(version.as_str(), report),
            )
        }
        // Statements of reasons in the DSA Transparency Database's schema.
        Op::Statements => {
            access::read_statements(&actor)?;
            let since = query_time(request, "since")?;
            let page = page_request(request)?;
            let stated = transparency::statements_since(store, &actor, since, &page).await?;
            json(StatusCode::OK, &statements(stated))
        }
        Op::OpenApi => standing_lambda::openapi::response(),
    };
    Ok(response)
}

/// Evaluations of one stream batch in flight at once. A batch is handled before the next one
/// begins (one shard, `ParallelizationFactor` 1), so its evaluations in flight decide how soon
/// the stream moves on: on the local stack 32 rather than 8 cut the lag from a write to its
/// standing at 16 writers from a p99 of about 200 ms to about 40-110 ms (`cargo bench -p
/// standing-local --bench load`); on DynamoDB each is a handful of requests on the SDK's pool.
pub const EVALUATIONS_AT_ONCE: usize = 32;

/// Handles one batch of the table's stream: each freelancer named by an evidence record is
/// re-evaluated once, [`EVALUATIONS_AT_ONCE`] at a time; those whose evaluation fails are
/// reported by the sequence number of their first record, so Lambda retries from there while
/// the others commit.
pub async fn handle_stream<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<StreamEvent>,
) -> DynamoDbEventResponse
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore,
{
    handle_stream_at_once(store, clock, policy, EVALUATIONS_AT_ONCE, event).await
}

/// [`handle_stream`] with `at_once` evaluations in flight (at least one). One at a time, the
/// store's calls come in the same order on every run of the same batch, which the fault proofs
/// count on to fail the n-th.
pub async fn handle_stream_at_once<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    at_once: usize,
    event: LambdaEvent<StreamEvent>,
) -> DynamoDbEventResponse
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore,
{
    let changed = changed_freelancers(&event.payload);
    let policies = match policies::in_force(store, policy).await {
        Ok(policies) => policies,
        Err(e) => {
            // Nothing can be evaluated without knowing the policy: the whole batch is retried.
            tracing::error!(error = %e, "the policies in force cannot be read; retrying the batch");
            standing_lambda::metrics::stream_failures(changed.len());
            return batch_item_failures(
                changed
                    .into_iter()
                    .map(|c| c.sequence_number)
                    .collect::<Vec<_>>(),
            );
        }
    };
    // The freelancers of a batch are independent: evaluated a few at a time, a batch takes a
    // fraction of the time (each evaluation waits on about ten DynamoDB round trips), and the
    // writes of those evaluated together share commits in the embedded engine.
    let failed: Vec<String> = futures_util::stream::iter(changed)
        .map(|change| {
            let policies = &policies;
            async move {
                let started = std::time::Instant::now();
                match policies::reevaluate(store, clock, policies, &change.freelancer_id).await {
                    Ok(evaluation) => {
                        standing_lambda::metrics::evaluated(started.elapsed());
                        tracing::debug!(
                            freelancer = %change.freelancer_id,
                            standing = %evaluation.standing,
                            "re-evaluated"
                        );
                        None
                    }
                    Err(e) => {
                        tracing::error!(
                            freelancer = %change.freelancer_id,
                            sequence_number = %change.sequence_number,
                            error = %e,
                            "re-evaluation failed; reporting the record for retry"
                        );
                        Some(change.sequence_number)
                    }
                }
            }
        })
        .buffer_unordered(at_once.max(1))
        .filter_map(std::future::ready)
        .collect()
        .await;
    standing_lambda::metrics::stream_failures(failed.len());
    batch_item_failures(failed)
}

/// What one scheduled run did: the due re-evaluations (the hourly run only) and the rollout's
/// step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScheduleReport {
    /// Due re-evaluations; absent on the rollout rule's runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reevaluated: Option<u32>,
    pub policy_rollout: RolloutReport,
}

/// Handles a scheduled run. The hourly one re-evaluates every freelancer whose stored
/// evaluation is due by now (a reveal at a window's close, a contract leaving the window); every
/// run continues a policy rollout in progress from its checkpoint.
pub async fn handle_schedule<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    limits: RolloutLimits,
    event: LambdaEvent<EventBridgeEvent>,
) -> Result<ScheduleReport, DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore + PolicyStore + TransparencyStore,
{
    let rollout_only = event
        .payload
        .resources
        .iter()
        .flatten()
        .any(|rule: &String| rule.ends_with(ROLLOUT_RULE_SUFFIX));
    let mut report = ScheduleReport::default();
    if !rollout_only {
        let policies = policies::in_force(store, policy).await?;
        let due = standing::reevaluate_due(store, clock, &policies).await?;
        report.reevaluated = Some(due.reevaluated);
    }
    report.policy_rollout =
        policies::rollout_step(store, clock, limits.page, limits.pages_per_run).await?;
    standing_lambda::metrics::evaluated_in_bulk(
        u64::from(report.reevaluated.unwrap_or_default()) + report.policy_rollout.reevaluated,
    );
    for failure in &report.policy_rollout.failures {
        tracing::warn!(failure = %failure, "a re-evaluation of the policy rollout failed");
    }
    tracing::info!(
        event_id = event.payload.id.as_deref().unwrap_or(""),
        reevaluated = report.reevaluated.unwrap_or_default(),
        rollout_reevaluated = report.policy_rollout.reevaluated,
        rollout_finished = report.policy_rollout.finished,
        "scheduled run done"
    );
    Ok(report)
}

/// One invocation, whichever its source: API Gateway, the stream or the hourly schedule.
pub async fn handle<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    limits: RolloutLimits,
    event: LambdaEvent<Incoming>,
) -> Result<Outgoing, lambda_http::Error>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore + PolicyStore + TransparencyStore,
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
            let report = handle_schedule(
                store,
                clock,
                policy,
                limits,
                LambdaEvent::new(scheduled, context),
            )
            .await?;
            Ok(Outgoing::Schedule(serde_json::to_value(report)?))
        }
    }
}

/// Serves invocations until the runtime stops. `main` calls it with the store built once.
pub async fn run_with<S>(
    store: S,
    clock: impl Clock,
    policy: PolicyConfig,
    limits: RolloutLimits,
) -> Result<(), lambda_http::Error>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore + PolicyStore + TransparencyStore,
{
    let (store, clock, policy) = (&store, &clock, &policy);
    serve("evaluate-freelancer", move |event| {
        handle(store, clock, policy, limits, event)
    })
    .await
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
            RolloutLimits::default(),
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
