//! Test support for the function crates (feature `testing`): a store that must never be reached,
//! a fixed clock, and requests in the exact shape API Gateway's HTTP API sends. With the feature
//! (not in this crate's own unit tests): invocations read and answered through JSON as Lambda
//! does them ([`invoke`]), the real stores on fresh storage ([`stores`]), their changes as the
//! stream events Lambda delivers ([`stream`]), arrangements through the domain's use cases
//! ([`arrange`]), an engine that fails chosen calls ([`faults`]) and a fake Lambda Runtime API
//! for running a function's binary ([`runtime_api`]).
#![allow(clippy::expect_used, clippy::panic)] // a malformed fixture is a bug in the test itself

#[cfg(feature = "testing")]
pub mod arrange;
#[cfg(feature = "testing")]
pub mod faults;
#[cfg(feature = "testing")]
pub mod invoke;
#[cfg(feature = "testing")]
pub mod runtime_api;
#[cfg(feature = "testing")]
pub mod stores;
#[cfg(feature = "testing")]
pub mod stream;

use crate::events::Incoming;
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use standing_domain::model::{
    Appeal, AuditEntry, Complaint, ComplaintStatus, Contract, Event, Feedback, Notice,
    PolicyChange, PolicySelection, PolicyVersion, PublishedPolicy, ShadowRecord, StatedReasons,
};
use standing_domain::paging::{Page, PageRequest};
use standing_domain::ports::{
    AppealStore, Clock, ComplaintStore, ContractFeedback, ContractStore, DueReinstatement,
    EvidenceMark, FeedbackStore, PolicyStore, StandingSnapshot, StandingStore, StoreResult,
    SweepStore, TransparencyStore, Versioned,
};
use standing_domain::record::ContractEvidence;
use standing_domain::{AppealId, ComplaintId, ContractId, DomainError, ReportId, UserId};

/// A store for tests that must finish at the edge: every call fails as storage being
/// unavailable (503), so a request that reaches it shows up as a wrong status.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

fn unreachable<T>() -> StoreResult<T> {
    Err(DomainError::Unavailable("NoStore was reached".into()))
}

impl ContractStore for NoStore {
    async fn get_contract(&self, _: &ContractId) -> StoreResult<Option<Versioned<Contract>>> {
        unreachable()
    }
    async fn put_contract(&self, _: &Contract, _: Option<&Versioned<Contract>>) -> StoreResult<()> {
        unreachable()
    }
    async fn has_contract_between(&self, _: &UserId, _: &UserId) -> StoreResult<bool> {
        unreachable()
    }
}

impl FeedbackStore for NoStore {
    async fn contract_feedback(&self, _: &Contract) -> StoreResult<ContractFeedback> {
        unreachable()
    }
    async fn insert_feedback(&self, _: &Versioned<Contract>, _: &Feedback) -> StoreResult<()> {
        unreachable()
    }
    async fn update_feedback(&self, _: &Contract, _: &Feedback, _: u64) -> StoreResult<()> {
        unreachable()
    }
    async fn feedback_by_report(&self, _: &ReportId) -> StoreResult<Option<Versioned<Feedback>>> {
        unreachable()
    }
    async fn pending_reports(&self, _: &PageRequest) -> StoreResult<Page<Feedback>> {
        unreachable()
    }
}

impl ComplaintStore for NoStore {
    async fn freelancer_complaints(&self, _: &UserId) -> StoreResult<Vec<Versioned<Complaint>>> {
        unreachable()
    }
    async fn complaint_set_version(&self, _: &UserId) -> StoreResult<Option<u64>> {
        unreachable()
    }
    async fn file_complaint(
        &self,
        _: &Complaint,
        _: &[Versioned<Complaint>],
        _: Option<u64>,
    ) -> StoreResult<()> {
        unreachable()
    }
    async fn get_complaint(&self, _: &ComplaintId) -> StoreResult<Option<Versioned<Complaint>>> {
        unreachable()
    }
    async fn decide_complaint(&self, _: &Complaint, _: u64) -> StoreResult<()> {
        unreachable()
    }
    async fn complaint_queue(
        &self,
        _: ComplaintStatus,
        _: &PageRequest,
    ) -> StoreResult<Page<Complaint>> {
        unreachable()
    }
}

impl AppealStore for NoStore {
    async fn freelancer_appeals(&self, _: &UserId) -> StoreResult<Vec<Versioned<Appeal>>> {
        unreachable()
    }
    async fn file_appeal(&self, _: &Appeal) -> StoreResult<()> {
        unreachable()
    }
    async fn get_appeal(&self, _: &AppealId) -> StoreResult<Option<Versioned<Appeal>>> {
        unreachable()
    }
    async fn save_appeal(&self, _: &Appeal, _: u64) -> StoreResult<()> {
        unreachable()
    }
    async fn pending_appeals(&self, _: &PageRequest) -> StoreResult<Page<Appeal>> {
        unreachable()
    }
}

impl StandingStore for NoStore {
    async fn evidence_since(
        &self,
        _: &UserId,
        _: DateTime<Utc>,
    ) -> StoreResult<Vec<ContractEvidence>> {
        unreachable()
    }
    async fn get_standing(&self, _: &UserId) -> StoreResult<Option<Versioned<StandingSnapshot>>> {
        unreachable()
    }
    async fn evidence_mark(&self, _: &UserId) -> StoreResult<EvidenceMark> {
        unreachable()
    }
    async fn save_standing(
        &self,
        _: &StandingSnapshot,
        _: &[AuditEntry],
        _: &[Notice],
        _: &[Event],
        _: Option<u64>,
    ) -> StoreResult<()> {
        unreachable()
    }
    async fn audit_trail(&self, _: &UserId, _: &PageRequest) -> StoreResult<Page<AuditEntry>> {
        unreachable()
    }
    async fn evidence_before(
        &self,
        _: &UserId,
        _: Option<&str>,
        _: usize,
    ) -> StoreResult<Vec<(String, ContractEvidence)>> {
        unreachable()
    }
}

impl SweepStore for NoStore {
    async fn due_reinstatements(
        &self,
        _: DateTime<Utc>,
        _: &PageRequest,
    ) -> StoreResult<Page<DueReinstatement>> {
        unreachable()
    }
    async fn due_evaluations(
        &self,
        _: DateTime<Utc>,
        _: &PageRequest,
    ) -> StoreResult<Page<UserId>> {
        unreachable()
    }
    async fn mark_reinstatement_notified(
        &self,
        _: &DueReinstatement,
        _: &Notice,
    ) -> StoreResult<()> {
        unreachable()
    }
}

/// Every handler that applies the rule book reads which policy is live first; NoStore answers
/// as a table where none was ever selected (the configured policy is live), so the tests still
/// show that nothing else is read before a refusal. Everything else is unreachable.
impl TransparencyStore for NoStore {
    async fn stated_reasons(
        &self,
        _: Option<DateTime<Utc>>,
        _: &PageRequest,
    ) -> StoreResult<Page<StatedReasons>> {
        unreachable()
    }
}

impl PolicyStore for NoStore {
    async fn policy_selection(&self) -> StoreResult<Option<Versioned<PolicySelection>>> {
        Ok(None)
    }
    async fn save_policy_selection(
        &self,
        _: &PolicySelection,
        _: Option<&PolicyChange>,
        _: Option<u64>,
    ) -> StoreResult<()> {
        unreachable()
    }
    async fn get_policy(&self, _: &PolicyVersion) -> StoreResult<Option<PublishedPolicy>> {
        unreachable()
    }
    async fn publish_policy(&self, _: &PublishedPolicy) -> StoreResult<()> {
        unreachable()
    }
    async fn published_policies(&self, _: &PageRequest) -> StoreResult<Page<PublishedPolicy>> {
        unreachable()
    }
    async fn policy_changes(&self, _: &PageRequest) -> StoreResult<Page<PolicyChange>> {
        unreachable()
    }
    async fn shadow_record(&self, _: &str, _: &UserId) -> StoreResult<Option<ShadowRecord>> {
        unreachable()
    }
    async fn put_shadow_record(
        &self,
        _: &str,
        _: &UserId,
        _: Option<&ShadowRecord>,
    ) -> StoreResult<()> {
        unreachable()
    }
    async fn shadow_report(
        &self,
        _: &PolicyVersion,
        _: &PageRequest,
    ) -> StoreResult<Page<ShadowRecord>> {
        unreachable()
    }
    async fn standings_page(&self, _: &PageRequest) -> StoreResult<Page<UserId>> {
        unreachable()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Default for FixedClock {
    fn default() -> Self {
        Self(DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap_or_default())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// An API Gateway HTTP API (payload 2.0) event, as AWS delivers it to the function: `claims`
/// is `(sub, roles)` as the JWT authorizer hands them over (`roles` like `"[client reviewer]"`);
/// without claims there is no authorizer block, as for a route without authorization.
pub fn apigw_event(
    method: &str,
    path_and_query: &str,
    claims: Option<(&str, &str)>,
    body: Option<&str>,
) -> serde_json::Value {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
            "x-forwarded-proto": "https"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "standing-tests"
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "24/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_510_800_000_i64
        },
        "isBase64Encoded": false
    });
    if let Some((sub, roles)) = claims {
        event["requestContext"]["authorizer"] = json!({
            "jwt": {
                "claims": {
                    "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example",
                    "aud": "standing-clients",
                    "sub": sub,
                    "roles": roles,
                    "iat": "1795510000",
                    "exp": "1795513600"
                },
                "scopes": null
            }
        });
    }
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

/// [`apigw_event`] as the `lambda_http::Request` the handler receives, read the way the
/// functions read their invocations ([`Incoming`]).
pub fn request(
    method: &str,
    path_and_query: &str,
    claims: Option<(&str, &str)>,
    body: Option<&str>,
) -> Request {
    match serde_json::from_value(apigw_event(method, path_and_query, claims, body)) {
        Ok(Incoming::Http(request)) => *request,
        other => panic!("the test event is not an API Gateway v2 request: {other:?}"),
    }
}

/// The response body as JSON.
pub fn body_json(response: &Response<Body>) -> serde_json::Value {
    serde_json::from_slice(response.body().as_ref()).expect("the response body is JSON")
}

/// The fixtures of real AWS event shapes, for the function crates' tests.
pub mod fixtures {
    /// An HTTP API (payload 2.0) request with a JWT authorizer: a client's
    /// `POST /contracts/c-1001/feedback` with a base64-encoded body.
    pub const HTTP_POST_FEEDBACK: &str =
        include_str!("../tests/fixtures/apigw_http_v2_jwt_post_feedback.json");
    /// A stream batch (NEW_AND_OLD_IMAGES) naming fl-ada (first at sequence number …001) and
    /// fl-bo (first at …003), with the evaluator's own standing and audit records among them.
    pub const STREAM_BATCH: &str =
        include_str!("../tests/fixtures/dynamodb_stream_new_and_old_images.json");
    /// EventBridge's scheduled event, as the daily rule delivers it.
    pub const SCHEDULED_EVENT: &str =
        include_str!("../tests/fixtures/eventbridge_scheduled_event.json");
}
