//! The real functions behind the seam: each handler of the four function crates, called with the
//! stack's repository, the stack's clock and the policy, as its `main` calls it in AWS.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::{Body, Context, LambdaEvent, Request, RequestExt, Response};
use standing_domain::PolicyConfig;
use standing_store::Repository;

use crate::clock::StackClock;
use crate::functions::{
    BoxFuture, DEV_ROUTES, FunctionError, FunctionName, Functions, HttpFunction, Routed,
    ScheduleFunction, StreamFunction, function_routes,
};
use crate::gateway::ACCOUNT_ID;
use crate::ids;
use standing_lambda::Route;

/// What every function is built with once, at the stack's start.
pub struct Deps {
    pub store: Repository,
    pub clock: Arc<StackClock>,
    pub policy: PolicyConfig,
    pub region: String,
    pub rollout: evaluate_freelancer::RolloutLimits,
}

impl Deps {
    /// The invocation's context, as the Lambda runtime fills it in.
    fn context(&self, function: &str, timeout_secs: u64) -> Context {
        let mut context = Context::default();
        context.request_id = ids::uuid();
        context.invoked_function_arn = format!(
            "arn:aws:lambda:{}:{ACCOUNT_ID}:function:standing-local-{function}",
            self.region
        );
        let deadline = chrono::Utc::now()
            .timestamp_millis()
            .saturating_add(i64::try_from(timeout_secs.saturating_mul(1000)).unwrap_or(i64::MAX));
        context.deadline = u64::try_from(deadline).unwrap_or_default();
        context
    }
}

/// The template's timeouts, in seconds: the API handlers', the evaluator's and the sweep's.
const API_TIMEOUT: u64 = 10;
const STREAM_TIMEOUT: u64 = 60;
const SCHEDULE_TIMEOUT: u64 = 300;

struct SubmitFeedback(Arc<Deps>);
struct FileComplaint(Arc<Deps>);
struct EvaluateFreelancer(Arc<Deps>);
struct ProcessAppeal(Arc<Deps>);

impl HttpFunction for SubmitFeedback {
    fn call(&self, request: Request) -> BoxFuture<'_, Result<Response<Body>, FunctionError>> {
        let d = &self.0;
        let request = request.with_lambda_context(d.context("submit-feedback", API_TIMEOUT));
        Box::pin(async move {
            Ok(submit_feedback::handle_http(&d.store, &*d.clock, &d.policy, request).await)
        })
    }
}

impl HttpFunction for FileComplaint {
    fn call(&self, request: Request) -> BoxFuture<'_, Result<Response<Body>, FunctionError>> {
        let d = &self.0;
        let request = request.with_lambda_context(d.context("file-complaint", API_TIMEOUT));
        Box::pin(async move {
            Ok(file_complaint::handle_http(&d.store, &*d.clock, &d.policy, request).await)
        })
    }
}

impl HttpFunction for EvaluateFreelancer {
    fn call(&self, request: Request) -> BoxFuture<'_, Result<Response<Body>, FunctionError>> {
        let d = &self.0;
        let request = request.with_lambda_context(d.context("evaluate-freelancer", API_TIMEOUT));
        Box::pin(async move {
            Ok(evaluate_freelancer::handle_http(&d.store, &*d.clock, &d.policy, request).await)
        })
    }
}

impl StreamFunction for EvaluateFreelancer {
    fn call(
        &self,
        event: StreamEvent,
    ) -> BoxFuture<'_, Result<DynamoDbEventResponse, FunctionError>> {
        let d = &self.0;
        let event = LambdaEvent::new(event, d.context("evaluate-freelancer", STREAM_TIMEOUT));
        Box::pin(async move {
            Ok(evaluate_freelancer::handle_stream(&d.store, &*d.clock, &d.policy, event).await)
        })
    }
}

impl ScheduleFunction for EvaluateFreelancer {
    fn call(
        &self,
        event: EventBridgeEvent,
    ) -> BoxFuture<'_, Result<serde_json::Value, FunctionError>> {
        let d = &self.0;
        let event = LambdaEvent::new(event, d.context("evaluate-freelancer", SCHEDULE_TIMEOUT));
        Box::pin(async move {
            let report = evaluate_freelancer::handle_schedule(
                &d.store, &*d.clock, &d.policy, d.rollout, event,
            )
            .await
            .map_err(|e| FunctionError(e.to_string()))?;
            serde_json::to_value(report).map_err(|e| FunctionError(e.to_string()))
        })
    }
}

impl HttpFunction for ProcessAppeal {
    fn call(&self, request: Request) -> BoxFuture<'_, Result<Response<Body>, FunctionError>> {
        let d = &self.0;
        let request = request.with_lambda_context(d.context("process-appeal", API_TIMEOUT));
        Box::pin(async move {
            Ok(process_appeal::handle_http(&d.store, &*d.clock, &d.policy, request).await)
        })
    }
}

impl ScheduleFunction for ProcessAppeal {
    fn call(
        &self,
        event: EventBridgeEvent,
    ) -> BoxFuture<'_, Result<serde_json::Value, FunctionError>> {
        let d = &self.0;
        let event = LambdaEvent::new(event, d.context("process-appeal", SCHEDULE_TIMEOUT));
        Box::pin(async move {
            let report = process_appeal::handle_schedule(&d.store, &*d.clock, &d.policy, event)
                .await
                .map_err(|e| FunctionError(e.to_string()))?;
            serde_json::to_value(report).map_err(|e| FunctionError(e.to_string()))
        })
    }
}

/// The four functions on `deps`.
pub fn functions(deps: Deps) -> Functions {
    let deps = Arc::new(deps);
    Functions {
        submit_feedback: Arc::new(SubmitFeedback(deps.clone())),
        file_complaint: Arc::new(FileComplaint(deps.clone())),
        evaluate_freelancer: Arc::new(EvaluateFreelancer(deps.clone())),
        process_appeal: Arc::new(ProcessAppeal(deps.clone())),
        evaluate_stream: Arc::new(EvaluateFreelancer(deps.clone())),
        hourly_reevaluation: Arc::new(EvaluateFreelancer(deps.clone())),
        daily_check: Arc::new(ProcessAppeal(deps)),
    }
}

/// The routes this stack serves: each function's own table (the one its router and the SAM
/// template's drift test read), and with the dev clock the `/_dev/*` routes.
pub fn routes(dev: bool) -> Vec<Route<Routed>> {
    let mut routes = function_routes(submit_feedback::ROUTES, FunctionName::SubmitFeedback);
    routes.extend(function_routes(
        file_complaint::ROUTES,
        FunctionName::FileComplaint,
    ));
    routes.extend(function_routes(
        evaluate_freelancer::ROUTES,
        FunctionName::EvaluateFreelancer,
    ));
    routes.extend(function_routes(
        process_appeal::ROUTES,
        FunctionName::ProcessAppeal,
    ));
    routes.push(crate::functions::METRICS_ROUTE);
    if dev {
        routes.extend_from_slice(DEV_ROUTES);
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::routes;
    use crate::functions::FunctionName::{
        EvaluateFreelancer, FileComplaint, ProcessAppeal, SubmitFeedback,
    };
    use crate::functions::Target;
    use lambda_http::http::Method;
    use standing_lambda::router::match_route;

    #[test]
    fn every_route_of_the_contract_goes_to_the_function_that_serves_it() {
        let routes = routes(false);
        let cases = [
            (Method::PUT, "/contracts/c1", SubmitFeedback),
            (Method::POST, "/contracts/c1/feedback", SubmitFeedback),
            (Method::GET, "/contracts/c1/feedback", SubmitFeedback),
            (
                Method::POST,
                "/contracts/c1/feedback/client/change-request",
                SubmitFeedback,
            ),
            (
                Method::POST,
                "/contracts/c1/feedback/client/change-consent",
                SubmitFeedback,
            ),
            (
                Method::PATCH,
                "/contracts/c1/feedback/client",
                SubmitFeedback,
            ),
            (
                Method::PUT,
                "/contracts/c1/feedback/client/response",
                SubmitFeedback,
            ),
            (
                Method::POST,
                "/contracts/c1/feedback/client/report",
                SubmitFeedback,
            ),
            (
                Method::POST,
                "/feedback-reports/r1/decision",
                SubmitFeedback,
            ),
            (Method::POST, "/freelancers/f1/complaints", FileComplaint),
            (Method::GET, "/complaints", FileComplaint),
            (Method::POST, "/complaints/c1/decision", FileComplaint),
            (Method::GET, "/freelancers/f1/standing", EvaluateFreelancer),
            (
                Method::GET,
                "/freelancers/f1/eligibility",
                EvaluateFreelancer,
            ),
            (Method::GET, "/freelancers/f1/profile", EvaluateFreelancer),
            (Method::GET, "/freelancers/f1/audit", EvaluateFreelancer),
            (Method::POST, "/freelancers/f1/appeals", ProcessAppeal),
            (Method::GET, "/appeals", ProcessAppeal),
            (Method::POST, "/appeals/a1/decision", ProcessAppeal),
        ];
        for (method, path, name) in cases {
            let (routed, _) = match_route(&routes, &method, path).unwrap();
            assert_eq!(routed.target, Target::Function(name), "{method} {path}");
        }
    }

    #[test]
    fn the_dev_routes_exist_only_with_the_dev_clock() {
        let err = match_route(&routes(false), &Method::POST, "/_dev/clock").unwrap_err();
        assert_eq!(err.code(), "not_found");
        assert!(match_route(&routes(true), &Method::POST, "/_dev/clock").is_ok());
    }

    #[test]
    fn a_known_path_with_another_method_is_405_and_an_unknown_one_404() {
        let routes = routes(false);
        let err = match_route(&routes, &Method::DELETE, "/contracts/c1").unwrap_err();
        assert_eq!(err.code(), "method_not_allowed");
        let err = match_route(&routes, &Method::GET, "/nothing/here").unwrap_err();
        assert_eq!(err.code(), "not_found");
    }
}
