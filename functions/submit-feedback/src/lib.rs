//! submit-feedback: contracts, feedback, change requests, responses and feedback reports.
//! HTTP ↔ the `contracts` and `feedback` use cases; every decision is the domain's.

use chrono::{DateTime, Utc};
use lambda_http::{Body, LambdaEvent, Request, Response};
use serde::Serialize;
use standing_domain::model::Contract;
use standing_domain::ports::{Clock, ContractStore, FeedbackStore, PolicyStore};
use standing_domain::rules::access;
use standing_domain::usecases::{contracts, feedback, policies};
use standing_domain::{ContractId, Currency, PolicyConfig, ReportId, Role, UserId};
use standing_lambda::body;
use standing_lambda::command::{ConsentToChange, RespondToFeedback};
use standing_lambda::{
    ApiError, Incoming, Method, Outgoing, Route, StatusCode, actor, answer_http, json, misrouted,
    page_request, parse_body, query_choice, respond, route, serve,
};

/// What this function does for each of its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    RegisterContract,
    SubmitFeedback,
    ViewFeedback,
    RequestChange,
    ConsentChange,
    ApplyChange,
    Respond,
    Report,
    DecideReport,
    ReportQueue,
}

/// The routes this function serves (api.md, "submit-feedback").
pub const ROUTES: &[Route<Op>] = &[
    Route::new(
        Method::PUT,
        "/contracts/{contract_id}",
        Op::RegisterContract,
    ),
    Route::new(
        Method::POST,
        "/contracts/{contract_id}/feedback",
        Op::SubmitFeedback,
    ),
    Route::new(
        Method::GET,
        "/contracts/{contract_id}/feedback",
        Op::ViewFeedback,
    ),
    Route::new(
        Method::POST,
        "/contracts/{contract_id}/feedback/client/change-request",
        Op::RequestChange,
    ),
    Route::new(
        Method::POST,
        "/contracts/{contract_id}/feedback/client/change-consent",
        Op::ConsentChange,
    ),
    Route::new(
        Method::PATCH,
        "/contracts/{contract_id}/feedback/client",
        Op::ApplyChange,
    ),
    Route::new(
        Method::PUT,
        "/contracts/{contract_id}/feedback/client/response",
        Op::Respond,
    ),
    Route::new(
        Method::POST,
        "/contracts/{contract_id}/feedback/client/report",
        Op::Report,
    ),
    Route::new(
        Method::POST,
        "/feedback-reports/{report_id}/decision",
        Op::DecideReport,
    ),
    Route::new(Method::GET, "/feedback-reports", Op::ReportQueue),
];

/// The report queues reviewers can ask for: pending is the only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    Pending,
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Waiting::Pending => f.write_str("pending"),
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
    S: ContractStore + FeedbackStore + PolicyStore,
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
    S: ContractStore + FeedbackStore + PolicyStore,
{
    let (op, params) = route(ROUTES, request)?;
    let actor = actor(request)?;
    let contract_id = || params.get::<ContractId>("contract_id");
    let response = match op {
        Op::RegisterContract => {
            // api.md, order of checks: a caller the route does not name gets 403 before the
            // path or the body is read, so it learns nothing of their rules.
            access::register_contract(&actor)?;
            let id = contract_id()?;
            let contract = contracts::register(store, &actor, id, parse_body(request)?).await?;
            json(StatusCode::OK, &ContractView::from(contract))
        }
        Op::SubmitFeedback => {
            access::give_feedback(&actor)?;
            let id = contract_id()?;
            let policy = &policies::in_force(store, configured).await?.live;
            // The body is read once the caller is known to be a party (403 before 400).
            let read = || parse_body(request);
            let view = feedback::submit_reading(store, clock, policy, &actor, &id, read).await?;
            json(StatusCode::CREATED, &body::FeedbackBody::from(view))
        }
        Op::ViewFeedback => {
            let policy = &policies::in_force(store, configured).await?.live;
            let view =
                feedback::view_contract(store, clock, policy, &actor, &contract_id()?).await?;
            json(StatusCode::OK, &body::ContractFeedbackBody::from(view))
        }
        Op::RequestChange => {
            // The route takes no body; whatever is sent is not read.
            let state = feedback::request_change(store, clock, &actor, &contract_id()?).await?;
            json(StatusCode::CREATED, &body::ChangeStateBody::from(state))
        }
        Op::ConsentChange => {
            access::require(&actor, Role::Freelancer, "consent to a change of feedback")?;
            let id = contract_id()?;
            let policy = &policies::in_force(store, configured).await?.live;
            let read = || parse_body::<ConsentToChange>(request).map(|body| body.consent);
            let state =
                feedback::consent_change_reading(store, clock, policy, &actor, &id, read).await?;
            json(StatusCode::OK, &body::ChangeStateBody::from(state))
        }
        Op::ApplyChange => {
            access::require(&actor, Role::Client, "change the client's feedback")?;
            let id = contract_id()?;
            let policy = &policies::in_force(store, configured).await?.live;
            let read = || parse_body(request);
            let view =
                feedback::apply_change_reading(store, clock, policy, &actor, &id, read).await?;
            json(StatusCode::OK, &body::FeedbackBody::from(view))
        }
        Op::Respond => {
            access::require(&actor, Role::Freelancer, "respond to the client's feedback")?;
            let id = contract_id()?;
            let policy = &policies::in_force(store, configured).await?.live;
            let read = || parse_body::<RespondToFeedback>(request).map(|body| body.text);
            let response =
                feedback::respond_reading(store, clock, policy, &actor, &id, read).await?;
            json(StatusCode::CREATED, &body::ResponseBody::from(&response))
        }
        Op::Report => {
            access::require(&actor, Role::Freelancer, "report the client's feedback")?;
            let id = contract_id()?;
            let policy = &policies::in_force(store, configured).await?.live;
            let read = || parse_body(request);
            let report = feedback::report_reading(store, clock, policy, &actor, &id, read).await?;
            json(StatusCode::CREATED, &body::ReportBody::from(report))
        }
        Op::DecideReport => {
            access::review(&actor, "decide reports")?;
            let report_id: ReportId = params.get("report_id")?;
            let cmd = parse_body(request)?;
            let decided = feedback::decide_report(store, clock, &actor, &report_id, cmd).await?;
            json(StatusCode::OK, &body::ReportBody::from(decided))
        }
        Op::ReportQueue => {
            // Reviewers only, before the query is read; `status=pending` is the only queue.
            access::review(&actor, "see the reports waiting")?;
            query_choice(
                request,
                "status",
                &[Waiting::Pending],
                Some(Waiting::Pending),
            )?;
            let page = page_request(request)?;
            let waiting = feedback::pending_reports(store, &actor, &page).await?;
            json(StatusCode::OK, &body::ReportQueueBody::from(waiting))
        }
    };
    Ok(response)
}

/// A contract in the shape it is registered with (`total_charged_minor`, `currency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractView {
    pub contract_id: ContractId,
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub total_charged_minor: u64,
    pub currency: Currency,
}

impl From<Contract> for ContractView {
    fn from(c: Contract) -> Self {
        Self {
            contract_id: c.contract_id,
            client_id: c.client_id,
            freelancer_id: c.freelancer_id,
            started_at: c.started_at,
            ended_at: c.ended_at,
            total_charged_minor: c.total_charged.minor(),
            currency: c.total_charged.currency(),
        }
    }
}

/// One invocation: an API Gateway request (anything else was routed here by mistake).
pub async fn handle<S>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    event: LambdaEvent<Incoming>,
) -> Result<Outgoing, lambda_http::Error>
where
    S: ContractStore + FeedbackStore + PolicyStore,
{
    let LambdaEvent { payload, context } = event;
    match payload {
        Incoming::Http(request) => Ok(answer_http(request, context, |request| {
            handle_http(store, clock, policy, request)
        })
        .await),
        Incoming::Stream(_) | Incoming::Schedule(_) => {
            Err(misrouted("submit-feedback", "stream or schedule"))
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
    S: ContractStore + FeedbackStore + PolicyStore,
{
    let (store, clock, policy) = (&store, &clock, &policy);
    serve("submit-feedback", move |event| {
        handle(store, clock, policy, event)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_lambda::testing::{FixedClock, NoStore, body_json, request};

    const CLIENT: Option<(&str, &str)> = Some(("client-1", "[client]"));

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
    async fn every_route_of_the_contract_is_served_by_this_function() {
        let paths = [
            ("PUT", "/contracts/c-1"),
            ("POST", "/contracts/c-1/feedback"),
            ("GET", "/contracts/c-1/feedback"),
            ("POST", "/contracts/c-1/feedback/client/change-request"),
            ("POST", "/contracts/c-1/feedback/client/change-consent"),
            ("PATCH", "/contracts/c-1/feedback/client"),
            ("PUT", "/contracts/c-1/feedback/client/response"),
            ("POST", "/contracts/c-1/feedback/client/report"),
            ("POST", "/feedback-reports/rp_1/decision"),
        ];
        for (method, path) in paths {
            let method: Method = method.parse().unwrap();
            assert!(
                standing_lambda::router::match_route(ROUTES, &method, path).is_ok(),
                "{method} {path}"
            );
        }
    }

    #[tokio::test]
    async fn a_client_registering_a_contract_with_a_partial_body_is_forbidden_before_the_body_is_read()
     {
        let partial = r#"{"client_id":"client-1"}"#;
        let (status, body) = call(request("PUT", "/contracts/c-1", CLIENT, Some(partial))).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }

    /// api.md, order of checks: a caller without the role a route names learns nothing of its
    /// body's rules (a garbled body would be 400 to one who has it).
    #[tokio::test]
    async fn a_caller_without_the_routes_role_is_forbidden_before_a_garbled_body_is_read() {
        const REVIEWER: Option<(&str, &str)> = Some(("rev-1", "[reviewer]"));
        const SERVICE: Option<(&str, &str)> = Some(("svc", "[service]"));
        let cases = [
            ("POST", "/contracts/c-1/feedback", SERVICE),
            (
                "POST",
                "/contracts/c-1/feedback/client/change-consent",
                CLIENT,
            ),
            ("PATCH", "/contracts/c-1/feedback/client", REVIEWER),
            ("PUT", "/contracts/c-1/feedback/client/response", CLIENT),
            ("POST", "/contracts/c-1/feedback/client/report", CLIENT),
            ("POST", "/feedback-reports/rp_1/decision", CLIENT),
        ];
        for (method, path, caller) in cases {
            let (status, body) = call(request(method, path, caller, Some("{garbled"))).await;
            assert_eq!(status, 403, "{method} {path}: {body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
    }

    /// The path is the request's too: a caller without the route's role learns nothing of the
    /// rules of its ids either.
    #[tokio::test]
    async fn a_caller_without_the_routes_role_is_forbidden_before_a_malformed_path_id_is_read() {
        const REVIEWER: Option<(&str, &str)> = Some(("rev-1", "[reviewer]"));
        let cases = [
            ("PUT", "/contracts/%20", REVIEWER),
            ("POST", "/contracts/%20/feedback", REVIEWER),
            ("POST", "/feedback-reports/%20/decision", CLIENT),
        ];
        for (method, path, caller) in cases {
            let (status, body) = call(request(method, path, caller, Some("{}"))).await;
            assert_eq!(status, 403, "{method} {path}: {body}");
        }
        // With the role, the malformed id is the caller's error to fix.
        let (status, body) = call(request(
            "POST",
            "/contracts/%20/feedback",
            CLIENT,
            Some("{}"),
        ))
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["details"]["field"], "contract_id");
    }

    #[tokio::test]
    async fn an_unknown_path_is_404_not_found() {
        let (status, body) = call(request("GET", "/contracts", CLIENT, None)).await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "not_found");
    }

    #[tokio::test]
    async fn a_wrong_method_is_405_with_the_allowed_methods() {
        let response = handle_http(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            request("DELETE", "/contracts/c-1/feedback", CLIENT, None),
        )
        .await;
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST, GET");
        assert_eq!(body_json(&response)["error"]["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn a_request_without_claims_is_401_even_with_a_bad_body() {
        let (status, body) =
            call(request("POST", "/contracts/c-1/feedback", None, Some("{"))).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "unauthenticated");
    }

    #[tokio::test]
    async fn a_malformed_contract_id_in_the_path_is_400_naming_the_parameter() {
        let (status, body) = call(request("GET", "/contracts/a%20b/feedback", CLIENT, None)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "contract_id");
    }

    #[tokio::test]
    async fn a_malformed_report_id_in_the_path_is_400_naming_the_parameter() {
        let (status, body) = call(request(
            "POST",
            "/feedback-reports/rp%231/decision",
            Some(("rev-1", "[reviewer]")),
            Some(r#"{"outcome":"kept"}"#),
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "report_id");
    }

    #[tokio::test]
    async fn a_contract_registration_with_a_negative_amount_is_400_naming_the_field() {
        let (status, body) = call(request(
            "PUT",
            "/contracts/c-1",
            Some(("svc", "[service]")),
            Some(
                r#"{"client_id":"cl-1","freelancer_id":"fl-1","started_at":"2026-01-01T00:00:00Z","total_charged_minor":-5,"currency":"EUR"}"#,
            ),
        ))
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["field"], "total_charged_minor");
    }

    #[tokio::test]
    async fn a_stream_batch_is_refused_as_misrouted() {
        let incoming: Incoming =
            serde_json::from_str(standing_lambda::testing::fixtures::STREAM_BATCH).unwrap();
        let out = handle(
            &NoStore,
            &FixedClock::default(),
            &PolicyConfig::default(),
            LambdaEvent::new(incoming, lambda_http::Context::default()),
        )
        .await;
        assert!(out.is_err());
    }
}
