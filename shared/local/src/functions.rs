//! The seam between the local stack and the Lambda functions: each function as AWS invokes it
//! (an API Gateway request, a stream batch, a scheduled event), and the route types that play
//! API Gateway's part of sending each route to its function.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use standing_lambda::Route;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An invocation that failed as a whole, as a Lambda function returning an error does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FunctionError(pub String);

/// A function behind API Gateway: one request, one response.
pub trait HttpFunction: Send + Sync {
    fn call(&self, request: Request) -> BoxFuture<'_, Result<Response<Body>, FunctionError>>;
}

/// A function subscribed to the table's stream, reporting partial batch failures.
pub trait StreamFunction: Send + Sync {
    fn call(
        &self,
        event: StreamEvent,
    ) -> BoxFuture<'_, Result<DynamoDbEventResponse, FunctionError>>;
}

/// A function on an EventBridge schedule; what it answers is the run's report.
pub trait ScheduleFunction: Send + Sync {
    fn call(
        &self,
        event: EventBridgeEvent,
    ) -> BoxFuture<'_, Result<serde_json::Value, FunctionError>>;
}

/// The four functions, as the SAM template names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionName {
    SubmitFeedback,
    FileComplaint,
    EvaluateFreelancer,
    ProcessAppeal,
}

/// Everything the stack invokes.
#[derive(Clone)]
pub struct Functions {
    pub submit_feedback: Arc<dyn HttpFunction>,
    pub file_complaint: Arc<dyn HttpFunction>,
    pub evaluate_freelancer: Arc<dyn HttpFunction>,
    pub process_appeal: Arc<dyn HttpFunction>,
    /// evaluate-freelancer's stream trigger.
    pub evaluate_stream: Arc<dyn StreamFunction>,
    /// evaluate-freelancer's hourly schedule: standings due by time.
    pub hourly_reevaluation: Arc<dyn ScheduleFunction>,
    /// process-appeal's daily schedule.
    pub daily_check: Arc<dyn ScheduleFunction>,
}

impl Functions {
    pub fn http(&self, name: FunctionName) -> &Arc<dyn HttpFunction> {
        match name {
            FunctionName::SubmitFeedback => &self.submit_feedback,
            FunctionName::FileComplaint => &self.file_complaint,
            FunctionName::EvaluateFreelancer => &self.evaluate_freelancer,
            FunctionName::ProcessAppeal => &self.process_appeal,
        }
    }
}

/// The local stack's own routes (`/_dev/*`), present only with `--dev-clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevOp {
    Clock,
    Tick,
}

/// Where a route goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Function(FunctionName),
    Dev(DevOp),
    /// `GET /metrics`: the stack's counters as Prometheus text, to anyone (no token).
    Metrics,
}

/// A route's target with its template, which API Gateway puts in the event's `routeKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routed {
    pub target: Target,
    pub template: &'static str,
}

const fn route(method: Method, template: &'static str, target: Target) -> Route<Routed> {
    Route::new(method, template, Routed { target, template })
}

/// The development routes.
pub const DEV_ROUTES: &[Route<Routed>] = &[
    route(Method::POST, "/_dev/clock", Target::Dev(DevOp::Clock)),
    route(Method::POST, "/_dev/tick", Target::Dev(DevOp::Tick)),
];

/// The local stack's metrics, always present.
pub const METRICS_ROUTE: Route<Routed> = route(Method::GET, "/metrics", Target::Metrics);

/// A function's own route table, sent to that function.
pub fn function_routes<H>(routes: &[Route<H>], name: FunctionName) -> Vec<Route<Routed>> {
    routes
        .iter()
        .map(|r| route(r.method.clone(), r.template, Target::Function(name)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_lambda::router::match_route;

    #[test]
    fn a_functions_routes_go_to_that_function_with_their_templates() {
        let own = [Route::new(Method::GET, "/things/{id}", ())];
        let routes = function_routes(&own, FunctionName::ProcessAppeal);
        let (routed, _) = match_route(&routes, &Method::GET, "/things/t1").unwrap();
        assert_eq!(routed.target, Target::Function(FunctionName::ProcessAppeal));
        assert_eq!(routed.template, "/things/{id}");
    }

    #[test]
    fn the_dev_routes_are_the_clock_and_the_tick() {
        let (routed, _) = match_route(DEV_ROUTES, &Method::POST, "/_dev/tick").unwrap();
        assert_eq!(routed.target, Target::Dev(DevOp::Tick));
        assert_eq!(routed.template, "/_dev/tick");
        let (routed, _) = match_route(DEV_ROUTES, &Method::POST, "/_dev/clock").unwrap();
        assert_eq!(routed.target, Target::Dev(DevOp::Clock));
    }
}
