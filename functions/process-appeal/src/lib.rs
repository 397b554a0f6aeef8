//! process-appeal: appeals, the reviewers' pending queue and decisions (HTTP), the policy lab's
//! versions (publish, activate, list), and the daily check of reinstatement windows and overdue
//! appeals (EventBridge schedule).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_http::{Body, LambdaEvent, Request, Response};
use standing_domain::model::PolicyVersion;
use standing_domain::ports::{
    AppealStore, Clock, ComplaintStore, ContractStore, PolicyStore, StandingStore, SweepStore,
};
use standing_domain::rules::access;
use standing_domain::usecases::sweep::{self, SweepReport};
use standing_domain::usecases::{appeals, policies};
use standing_domain::{AppealId, DomainError, PolicyConfig, Role, UserId};
use standing_lambda::body::{AppealBody, PageBody, PoliciesBody, PolicyVersionBody, SelectionBody};
use standing_lambda::command::{Activation, policy_config};
use standing_lambda::{
    ApiError, Incoming, Method, Outgoing, Route, StatusCode, actor, answer_http, json, misrouted,
    page_request, parse_body, parse_json, query_choice, respond, route, serve,
};
use std::fmt;

/// What this function does for each of its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    File,
    Pending,
    Decide,
    Policies,
    Publish,
    Activate,
}

/// The routes this function serves (api.md, "process-appeal").
pub const ROUTES: &[Route<Op>] = &[
    Route::new(
        Method::POST,
        "/freelancers/{freelancer_id}/appeals",
        Op::File,
    ),
    Route::new(Method::GET, "/appeals", Op::Pending),
    Route::new(Method::POST, "/appeals/{appeal_id}/decision", Op::Decide),
    Route::new(Method::GET, "/policies", Op::Policies),
    Route::new(Method::PUT, "/policies/{version}", Op::Publish),
    Route::new(Method::POST, "/policies/{version}/activate", Op::Activate),
];

/// The appeal queues reviewers can ask for: pending is the only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Pending,
}

impl fmt::Display for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Queue::Pending => f.write_str("pending"),
        }
    }
}

/// Handles one HTTP request. Never fails: every error is the contract's error response.
pub async fn handle_http<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    request: Request,
) -> Response<Body>
where
    S: StandingStore + AppealStore + ContractStore + ComplaintStore + PolicyStore,
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
    S: StandingStore + AppealStore + ContractStore + ComplaintStore + PolicyStore,
{
    let (op, params) = route(ROUTES, request)?;
    let actor = actor(request)?;
    let configured = policy;
    let response = match op {
        Op::File => {
            access::require(&actor, Role::Freelancer, "appeal their sanctions")?;
            let freelancer: UserId = params.get("freelancer_id")?;
            access::file_appeal(&actor, &freelancer)?;
            let cmd = parse_body(request)?;
            let policy = &policies::in_force(store, configured).await?.live;
            let filed = appeals::file(store, clock, policy, &actor, &freelancer, cmd).await?;
            json(StatusCode::CREATED, &AppealBody::from(filed))
        }
        Op::Pending => {
            // `status=pending` is the contract's spelling; it is also what an absent status means.
            access::review(&actor, "see pending appeals")?;
            query_choice(request, "status", &[Queue::Pending], Some(Queue::Pending))?;
            let page = page_request(request)?;
            let pending = appeals::pending(store, &actor, &page).await?;
            json(StatusCode::OK, &PageBody::of(pending, AppealBody::from))
        }
        Op::Decide => {
            access::review(&actor, "decide appeals")?;
            let id: AppealId = params.get("appeal_id")?;
            // A reviewer the sanction rests on is refused before the body is read.
            let right = appeals::may_decide(store, &actor, &id).await?;
            let cmd = parse_body(request)?;
            let decided = appeals::decide(store, clock, right, cmd).await?;
            json(StatusCode::OK, &AppealBody::from(decided))
        }
        Op::Policies => {
            access::view_policies(&actor)?;
            let page = page_request(request)?;
            let overview = policies::overview(store, clock, configured, &actor, &page).await?;
            json(StatusCode::OK, &PoliciesBody::from(overview))
        }
        Op::Publish => {
            access::manage_policies(&actor, "publish policy versions")?;
            let version: PolicyVersion = params.get("version")?;
            let config = policy_config(parse_json(request)?, &version)?;
            // Seeded first: the configured policy's version is published with its own numbers
            // before anyone can publish other numbers under its name.
            let selection = policies::seeded(store, clock, configured).await?.value;
            let published = policies::publish(store, clock, &actor, &version, config).await?;
            let status = if published.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json(status, &PolicyVersionBody::of(published.policy, &selection))
        }
        Op::Activate => {
            access::manage_policies(&actor, "activate policy versions")?;
            let version: PolicyVersion = params.get("version")?;
            let Activation { mode } = parse_body(request)?;
            let selection =
                policies::activate(store, clock, configured, &actor, &version, mode).await?;
            json(StatusCode::OK, &SelectionBody::from(&selection))
        }
    };
    Ok(response)
}

/// The daily check. An error fails the invocation, so EventBridge's asynchronous retries run it
/// again; the check is idempotent.
pub async fn handle_schedule<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<EventBridgeEvent>,
) -> Result<SweepReport, DomainError>
where
    S: SweepStore + AppealStore + PolicyStore,
{
    let policy = &policies::in_force(store, policy).await?.live;
    let report = sweep::daily_check(store, clock, policy).await?;
    tracing::info!(
        event_id = event.payload.id.as_deref().unwrap_or(""),
        reinstatement_notices = report.reinstatement_notices,
        overdue_appeals_flagged = report.overdue_appeals_flagged,
        "daily check done"
    );
    Ok(report)
}

/// One invocation, whichever its source: API Gateway or the daily schedule.
pub async fn handle<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<Incoming>,
) -> Result<Outgoing, lambda_http::Error>
where
    S: StandingStore + AppealStore + SweepStore + ContractStore + ComplaintStore + PolicyStore,
{
    let LambdaEvent { payload, context } = event;
    match payload {
        Incoming::Http(request) => Ok(answer_http(request, context, |request| {
            handle_http(store, clock, policy, request)
        })
        .await),
        Incoming::Schedule(scheduled) => {
            let report =
                handle_schedule(store, clock, policy, LambdaEvent::new(scheduled, context)).await?;
            Ok(Outgoing::Schedule(serde_json::to_value(report)?))
        }
        Incoming::Stream(_) => Err(misrouted("process-appeal", "stream")),
    }
}

/// Serves invocations until the runtime stops. `main` calls it with the store built once.
pub async fn run_with<S>(
    store: S,
    clock: impl Clock,
    policy: PolicyConfig,
) -> Result<(), lambda_http::Error>
where
    S: StandingStore + AppealStore + SweepStore + ContractStore + ComplaintStore + PolicyStore,
{
    let (store, clock, policy) = (&store, &clock, &policy);
    serve("process-appeal", move |event| {
        handle(store, clock, policy, event)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Context;
    use standing_lambda::testing::{FixedClock, NoStore, body_json, fixtures, request};

    const REVIEWER: Option<(&str, &str)> = Some(("rev-1", "[reviewer]"));
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

    #[tokio::test]
    async fn a_pending_queue_asked_for_with_another_status_is_400_before_the_store() {
        let (status, body) = call(request("GET", "/appeals?status=decided", REVIEWER, None)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "status");
        assert_eq!(
            body["error"]["message"],
            r#"`status` must be one of pending (got "decided")"#
        );
    }

    #[tokio::test]
    async fn only_the_freelancer_themself_may_appeal_and_others_learn_nothing_of_the_body() {
        for caller in [REVIEWER, Some(("fl-2", "[freelancer]"))] {
            let (status, body) = call(request(
                "POST",
                "/freelancers/fl-1/appeals",
                caller,
                Some("{garbled"),
            ))
            .await;
            assert_eq!(status, 403, "{body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
    }

    #[tokio::test]
    async fn the_pending_queue_is_for_reviewers_only() {
        let (status, body) =
            call(request("GET", "/appeals?status=pending", FREELANCER, None)).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden");
    }

    #[tokio::test]
    async fn an_appeal_of_an_unknown_kind_is_400_listing_the_kinds() {
        let (status, body) = call(request(
            "POST",
            "/freelancers/fl-1/appeals",
            FREELANCER,
            Some(r#"{"sanction_id":"sn_1","kind":"mercy","statement":"please"}"#),
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "kind");
        assert_eq!(
            body["error"]["message"],
            "`kind` must be `reinstatement` or `contest` (got `mercy`)"
        );
    }

    #[tokio::test]
    async fn an_appeal_for_someone_else_is_403_before_the_store() {
        let (status, _) = call(request(
            "POST",
            "/freelancers/fl-2/appeals",
            FREELANCER,
            Some(r#"{"sanction_id":"sn_1","kind":"contest","statement":"not me"}"#),
        ))
        .await;
        assert_eq!(status, 403);
    }

    #[tokio::test]
    async fn a_decision_on_a_malformed_appeal_id_is_400_naming_the_parameter() {
        let (status, body) = call(request(
            "POST",
            "/appeals/ap%2F1/decision",
            REVIEWER,
            Some(r#"{"outcome":"granted"}"#),
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "appeal_id");
    }

    #[tokio::test]
    async fn unknown_paths_wrong_methods_and_missing_claims_are_404_405_and_401() {
        assert_eq!(
            call(request("GET", "/appeals/ap_1", REVIEWER, None))
                .await
                .0,
            404
        );
        let (status, body) = call(request("DELETE", "/appeals", REVIEWER, None)).await;
        assert_eq!(status, 405);
        assert_eq!(
            body["error"]["details"]["allow"],
            serde_json::json!(["GET"])
        );
        assert_eq!(call(request("GET", "/appeals", None, None)).await.0, 401);
    }

    #[tokio::test]
    async fn a_stream_batch_is_refused_as_misrouted() {
        let incoming: Incoming = serde_json::from_str(fixtures::STREAM_BATCH).unwrap();
        let out = handle(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(incoming, Context::default()),
        )
        .await;
        assert!(out.is_err());
    }
}
