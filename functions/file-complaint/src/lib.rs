//! file-complaint: background complaints, the reviewers' queue and decisions.
//! HTTP ↔ the `complaints` use cases; every decision is the domain's.

use lambda_http::{Body, LambdaEvent, Request, Response};
use standing_domain::model::ComplaintStatus;
use standing_domain::ports::{Clock, ComplaintStore, ContractStore, PolicyStore};
use standing_domain::rules::access;
use standing_domain::usecases::{complaints, policies};
use standing_domain::{ComplaintId, PolicyConfig, UserId};
use standing_lambda::body::{ComplaintBody, PageBody};
use standing_lambda::{
    ApiError, Incoming, Method, Outgoing, Route, StatusCode, actor, answer_http, json, misrouted,
    page_request, parse_body, query_choice, respond, route, serve,
};

/// What this function does for each of its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    File,
    Queue,
    Decide,
}

/// The routes this function serves (api.md, "file-complaint").
pub const ROUTES: &[Route<Op>] = &[
    Route::new(
        Method::POST,
        "/freelancers/{freelancer_id}/complaints",
        Op::File,
    ),
    Route::new(Method::GET, "/complaints", Op::Queue),
    Route::new(
        Method::POST,
        "/complaints/{complaint_id}/decision",
        Op::Decide,
    ),
];

/// Handles one HTTP request. Never fails: every error is the contract's error response.
pub async fn handle_http<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    request: Request,
) -> Response<Body>
where
    S: ContractStore + ComplaintStore + PolicyStore,
{
    respond(dispatch(store, clock, policy, &request).await)
}

async fn dispatch<S>(
    store: &S,
    clock: &impl Clock,
    configured: &PolicyConfig,
    request: &Request,
) -> Result<Response<Body>, ApiError>
where
    S: ContractStore + ComplaintStore + PolicyStore,
{
    let (op, params) = route(ROUTES, request)?;
    let actor = actor(request)?;
    let response = match op {
        Op::File => {
            // Clients only, before the path is read; who may complain about this freelancer is
            // settled before the body is read (403 before 400).
            access::file_complaint(&actor)?;
            let freelancer: UserId = params.get("freelancer_id")?;
            let right = complaints::may_file(store, &actor, &freelancer).await?;
            let cmd = parse_body(request)?;
            let policy = &policies::in_force(store, configured).await?.live;
            let filed = complaints::file(store, clock, policy, right, cmd).await?;
            json(StatusCode::CREATED, &ComplaintBody::from(filed))
        }
        Op::Queue => {
            // Reviewers only, before the query is read (403 before 400).
            access::review(&actor, "see the complaints queue")?;
            let status = query_choice(request, "status", ComplaintStatus::ALL, None)?;
            let page = page_request(request)?;
            let queue = complaints::queue(store, &actor, status, &page).await?;
            json(StatusCode::OK, &PageBody::of(queue, ComplaintBody::from))
        }
        Op::Decide => {
            access::review(&actor, "decide complaints")?;
            let id: ComplaintId = params.get("complaint_id")?;
            // A reviewer who takes part in the case is refused before the body is read.
            let right = complaints::may_decide(store, &actor, &id).await?;
            let cmd = parse_body(request)?;
            let policy = &policies::in_force(store, configured).await?.live;
            let decided = complaints::decide(store, clock, policy, right, cmd).await?;
            json(StatusCode::OK, &ComplaintBody::from(decided))
        }
    };
    Ok(response)
}

/// One invocation: an API Gateway request (anything else was routed here by mistake).
pub async fn handle<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<Incoming>,
) -> Result<Outgoing, lambda_http::Error>
where
    S: ContractStore + ComplaintStore + PolicyStore,
{
    let LambdaEvent { payload, context } = event;
    match payload {
        Incoming::Http(request) => Ok(answer_http(request, context, |request| {
            handle_http(store, clock, policy, request)
        })
        .await),
        Incoming::Stream(_) | Incoming::Schedule(_) => {
            Err(misrouted("file-complaint", "stream or schedule"))
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
    S: ContractStore + ComplaintStore + PolicyStore,
{
    let (store, clock, policy) = (&store, &clock, &policy);
    serve("file-complaint", move |event| {
        handle(store, clock, policy, event)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_lambda::testing::{FixedClock, NoStore, body_json, request};

    const REVIEWER: Option<(&str, &str)> = Some(("rev-1", "[reviewer]"));
    const CLIENT: Option<(&str, &str)> = Some(("cl-1", "[client]"));

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
    async fn the_queue_without_a_status_is_400_listing_the_statuses() {
        let (status, body) = call(request("GET", "/complaints", REVIEWER, None)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "invalid_field");
        assert_eq!(body["error"]["details"]["field"], "status");
        assert_eq!(
            body["error"]["message"],
            "`status` is required: one of open, under_review, decided"
        );
    }

    #[tokio::test]
    async fn the_queue_with_an_unknown_status_is_400() {
        let (status, body) =
            call(request("GET", "/complaints?status=closed", REVIEWER, None)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "status");
    }

    #[tokio::test]
    async fn the_queue_is_refused_to_a_caller_without_the_reviewer_role_before_the_store() {
        let (status, body) = call(request("GET", "/complaints?status=open", CLIENT, None)).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden");
    }

    #[tokio::test]
    async fn a_malformed_freelancer_id_is_400_naming_the_parameter() {
        let (status, body) = call(request(
            "POST",
            "/freelancers/fl%231/complaints",
            CLIENT,
            Some("{}"),
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "freelancer_id");
    }

    #[tokio::test]
    async fn unknown_paths_wrong_methods_and_missing_claims_are_404_405_and_401() {
        assert_eq!(
            call(request("GET", "/complaints/cp_1", REVIEWER, None))
                .await
                .0,
            404
        );
        let response = handle_http(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            request("PUT", "/complaints", REVIEWER, None),
        )
        .await;
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET");
        let (status, body) = call(request("GET", "/complaints?status=open", None, None)).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "unauthenticated");
    }

    #[tokio::test]
    async fn a_scheduled_event_is_refused_as_misrouted() {
        let incoming: Incoming =
            serde_json::from_str(standing_lambda::testing::fixtures::SCHEDULED_EVENT).unwrap();
        let out = handle(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(incoming, lambda_http::Context::default()),
        )
        .await;
        assert!(out.is_err());
    }

    #[tokio::test]
    async fn a_query_with_characters_a_uri_cannot_hold_is_a_400_not_a_crash() {
        let incoming: Incoming = serde_json::from_value(standing_lambda::testing::apigw_event(
            "GET",
            "/complaints?status=\"open\"",
            REVIEWER,
            None,
        ))
        .unwrap();
        let out = handle(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(incoming, lambda_http::Context::default()),
        )
        .await
        .unwrap();
        let wire = serde_json::to_value(out).unwrap();
        assert_eq!(wire["statusCode"], 400);
    }
}
