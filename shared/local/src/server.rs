//! The HTTP front: routes each request as API Gateway would (404/405 first, then the JWT
//! check, then the function), answers the `/_dev/*` routes, writes one access line per request,
//! and stops gracefully: no new connections, in-flight requests finished.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::http::header::{HeaderValue, WWW_AUTHENTICATE};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use standing_domain::Role;
use standing_domain::ports::Clock;
use standing_domain::rules::access;
use standing_lambda::command::{FromJson, Object};
use standing_lambda::router::match_route;
use standing_lambda::{ApiError, Route, parse_body};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::{ClockError, StackClock};
use crate::functions::{DevOp, Functions, Routed, Target};
use crate::gateway;
use crate::jwt::{self, Secret};
use crate::schedule::Schedule;

/// API Gateway's payload limit.
pub const MAX_REQUEST_BYTES: usize = standing_lambda::MAX_BODY_BYTES;
/// How long a client may take to send a request's headers, or its body once the headers came:
/// a client trickling a byte every few seconds holds a connection no longer than this.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish once the stack is asked to stop.
const GRACE: Duration = Duration::from_secs(30);

pub type HttpResponse = hyper::Response<Full<Bytes>>;

/// Everything a request may need.
pub struct App {
    pub routes: Vec<Route<Routed>>,
    /// The counters `GET /metrics` renders (none when another recorder was installed first).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub functions: Functions,
    pub secret: Secret,
    pub clock: Arc<StackClock>,
    pub schedule: Arc<Schedule>,
    /// The embedded pump's progress, read at each scrape (none on DynamoDB Local's stream).
    pub stream: Option<crate::pump::Progress>,
}

impl App {
    pub fn new(
        routes: Vec<Route<Routed>>,
        functions: Functions,
        secret: Secret,
        clock: Arc<StackClock>,
        schedule: Arc<Schedule>,
    ) -> Self {
        Self {
            routes,
            metrics: install_metrics(),
            functions,
            secret,
            clock,
            schedule,
            stream: None,
        }
    }

    /// Reports `stream_pending_records` at each scrape from the embedded pump's progress.
    pub fn with_stream_progress(mut self, progress: Option<crate::pump::Progress>) -> Self {
        self.stream = progress;
        self
    }

    async fn respond(&self, request: hyper::Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let received_at = Utc::now();
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        // The reviewer console's files: public, like any web page (its data needs the token).
        if parts.method == lambda_http::http::Method::GET
            && (path == "/console" || path.starts_with("/console/"))
        {
            return console_file(&path);
        }
        let Routed { target, template } = match match_route(&self.routes, &parts.method, &path) {
            Ok((routed, _)) => *routed,
            Err(e) => return e.into_response(),
        };
        if target == Target::Metrics {
            return self.render_metrics();
        }
        let authorization = parts
            .headers
            .get(lambda_http::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // As the template's route: the document needs no token (and gets no claims).
        let claims = if template == standing_lambda::openapi::PATH {
            None
        } else {
            match jwt::bearer(authorization)
                .and_then(|token| jwt::verify(token, &self.secret, received_at))
            {
                Ok(claims) => Some(jwt::gateway_claims(&claims)),
                Err(e) => return unauthenticated(e),
            }
        };
        let body = match read_body(body, &parts.headers).await {
            Ok(body) => body,
            Err(response) => return *response,
        };
        let request_id = crate::ids::uuid();
        let event = gateway::event(&gateway::Incoming {
            parts: &parts,
            body: &body,
            peer,
            template,
            claims: claims.as_ref(),
            request_id: &request_id,
            received_at,
        });
        let request = match gateway::request(&event) {
            Ok(request) => request,
            Err(e) => return internal(&e),
        };
        match target {
            Target::Function(name) => {
                let function = Arc::clone(self.functions.http(name));
                // A panicking function fails its invocation, not the stack.
                match tokio::spawn(async move { function.call(request).await }).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(e)) => internal(&e.to_string()),
                    Err(e) => internal(&format!("the function panicked: {e}")),
                }
            }
            Target::Dev(op) => self.dev(op, &request).await,
            Target::Metrics => self.render_metrics(),
        }
    }

    /// `GET /metrics`: Prometheus text (format 0.0.4).
    fn render_metrics(&self) -> Response<Body> {
        if let Some(progress) = &self.stream {
            progress.record();
        }
        let text = self
            .metrics
            .as_ref()
            .map(|handle| {
                handle.run_upkeep();
                handle.render()
            })
            .unwrap_or_default();
        let mut response = Response::new(Body::Text(text));
        response.headers_mut().insert(
            lambda_http::http::header::CONTENT_TYPE,
            lambda_http::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        response
    }

    async fn dev(&self, op: DevOp, request: &Request) -> Response<Body> {
        // api.md, local stack only: for the `service` role only.
        let allowed = standing_lambda::actor(request).and_then(|actor| {
            access::require(&actor, Role::Service, "use the development routes")
                .map_err(ApiError::from)
        });
        if let Err(refused) = allowed {
            return refused.into_response();
        }
        match op {
            DevOp::Clock => {
                let moved = parse_body::<ClockMove>(request).and_then(|m| self.move_clock(m));
                match moved {
                    Ok(now) => standing_lambda::json(
                        StatusCode::OK,
                        &json!({ "now": now.to_rfc3339_opts(SecondsFormat::Millis, true) }),
                    ),
                    Err(e) => e.into_response(),
                }
            }
            DevOp::Tick => match self.schedule.tick().await {
                Ok(report) => standing_lambda::json(StatusCode::OK, &report),
                Err(e) => internal(&e.to_string()),
            },
        }
    }

    fn move_clock(&self, change: ClockMove) -> Result<DateTime<Utc>, ApiError> {
        let moved = match (change.advance_days, change.now) {
            (Some(days), None) => self.clock.advance_days(days),
            (None, Some(now)) => self.clock.set(now),
            _ => {
                return Err(ApiError::invalid_field(
                    "advance_days",
                    "or `now` must be given, and not both: send {\"advance_days\": N} or {\"now\": \"RFC 3339 time\"}",
                ));
            }
        };
        moved.map_err(|e| match e {
            ClockError::AdvanceOutOfRange => ApiError::invalid_field(
                "advance_days",
                format_args!("must be between 0 and {}", crate::clock::MAX_ADVANCE_DAYS),
            ),
            ClockError::NowOutOfRange => {
                ApiError::invalid_field("now", "must be between the years 2000 and 2999")
            }
            other => ApiError::Domain(standing_domain::DomainError::Unavailable(other.to_string())),
        })
    }

    /// One request, start to end, with its access line.
    async fn handle(&self, request: hyper::Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let _in_flight = InFlight::start();
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = to_hyper(self.respond(request, peer).await);
        access_line(
            &method,
            &path,
            response.status(),
            started.elapsed(),
            &self.clock,
        );
        response
    }
}

/// `GET /console/…`: the console's page and modules, its configuration (the API is this
/// origin), or 404. `/console` itself is sent to `/console/`, where relative links resolve.
fn console_file(path: &str) -> Response<Body> {
    use lambda_http::http::{HeaderName, HeaderValue, header};
    let mut response = match path.strip_prefix("/console/") {
        None => {
            let mut moved = Response::new(Body::Empty);
            *moved.status_mut() = StatusCode::PERMANENT_REDIRECT;
            moved
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/console/"));
            return moved;
        }
        Some("config.json") => {
            let mut config = Response::new(Body::Text(r#"{"api_url":""}"#.to_owned()));
            config.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            config
        }
        Some(name) => match standing_console::asset(name) {
            Some(asset) => {
                let mut file = Response::new(Body::Binary(asset.body.to_vec()));
                file.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                );
                file
            }
            None => {
                return ApiError::NotFound {
                    method: lambda_http::http::Method::GET,
                    path: path.to_owned(),
                }
                .into_response();
            }
        },
    };
    for (name, value) in standing_console::security_headers("") {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    response
}

/// Requests being answered: their head read, their answer not yet made (a scrape of `/metrics`
/// counts itself).
pub const REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";

/// One request in [`REQUESTS_IN_FLIGHT`], until it is dropped: answered, or cut off with its
/// connection.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!(REQUESTS_IN_FLIGHT).increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(REQUESTS_IN_FLIGHT).decrement(1.0);
    }
}

/// The process's metrics recorder: the same counters the Lambdas flush as EMF, rendered as
/// Prometheus text. `None` when a recorder is installed already (a second stack in one process).
fn install_metrics() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok()?;
    standing_lambda::metrics::describe();
    crate::pump::describe_metrics();
    standing_store::metric::describe_embedded();
    metrics::describe_gauge!(
        REQUESTS_IN_FLIGHT,
        metrics::Unit::Count,
        "requests being answered (this scrape included)"
    );
    // Histogram samples are drained into their summaries by upkeep: every few seconds, so that
    // memory stays flat between scrapes (and at each scrape).
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let upkeep = handle.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
    }
    Some(handle)
}

/// `POST /_dev/clock`'s body.
#[derive(Debug)]
struct ClockMove {
    advance_days: Option<u32>,
    now: Option<DateTime<Utc>>,
}

impl FromJson for ClockMove {
    fn from_json(value: serde_json::Value, at: &str) -> Result<Self, ApiError> {
        let mut o = Object::read(value, at, &["advance_days", "now"])?;
        Ok(ClockMove {
            advance_days: o.optional("advance_days")?,
            now: o.optional("now")?,
        })
    }
}

async fn read_body(
    body: Incoming,
    headers: &lambda_http::http::HeaderMap,
) -> Result<Bytes, Box<Response<Body>>> {
    let declared = headers
        .get(lambda_http::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = |size: usize| {
        Box::new(
            ApiError::PayloadTooLarge {
                size,
                limit: MAX_REQUEST_BYTES,
            }
            .into_response(),
        )
    };
    if let Some(size) = declared.filter(|s| *s > MAX_REQUEST_BYTES) {
        return Err(too_large(size));
    }
    let collected = tokio::time::timeout(
        READ_TIMEOUT,
        Limited::new(body, MAX_REQUEST_BYTES).collect(),
    );
    let Ok(collected) = collected.await else {
        return Err(Box::new(
            ApiError::RequestTimeout {
                seconds: READ_TIMEOUT.as_secs(),
            }
            .into_response(),
        ));
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(too_large(MAX_REQUEST_BYTES.saturating_add(1)))
        }
        Err(e) => Err(Box::new(
            ApiError::invalid_json(format!("the request body could not be read: {e}"))
                .into_response(),
        )),
    }
}

fn unauthenticated(error: jwt::TokenError) -> Response<Body> {
    let mut response = ApiError::Unauthenticated(error.sentence()).into_response();
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// A failed invocation, as API Gateway answers it: 500, in the contract's error shape.
fn internal(cause: &str) -> Response<Body> {
    tracing::error!(%cause, "a function invocation failed");
    standing_lambda::json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({"error": {
            "code": "internal",
            "message": "the request failed inside the service; see the stack's log, and please report it",
            "details": {},
        }}),
    )
}

fn to_hyper(response: Response<Body>) -> HttpResponse {
    let (parts, bytes) = gateway::response_bytes(response);
    hyper::Response::from_parts(parts, Full::new(Bytes::from(bytes)))
}

/// One line per request on standard output: time, method, path, status, milliseconds.
fn access_line(
    method: &Method,
    path: &str,
    status: StatusCode,
    took: Duration,
    clock: &StackClock,
) {
    let stamp = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let dev = if clock.is_dev() {
        format!(
            " (stack time {})",
            clock.now().to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    } else {
        String::new()
    };
    say(&format!(
        "{stamp} {method} {path} {} {}ms{dev}",
        status.as_u16(),
        took.as_millis()
    ));
}

/// Writes a line to standard output; a closed stdout is not a reason to fail a request.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// How each connection is served: HTTP/1.1, its headers (and on a kept-alive connection the next
/// request's) within [`READ_TIMEOUT`].
fn connections() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT);
    builder
}

/// Serves `listener` until `stop` turns true, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    max_connections: usize,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, then accept again.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Beyond the cap a connection is closed at once: idle sockets cannot pile up.
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    tracing::warn!(%peer, max_connections, "connection refused: the stack serves its maximum of connections");
                    drop(stream);
                    continue;
                };
                let app = Arc::clone(&app);
                let service = service_fn(move |request| {
                    let app = Arc::clone(&app);
                    async move { Ok::<_, Infallible>(app.handle(request, peer).await) }
                });
                let connection = connections().serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                    drop(slot);
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => {
            tracing::warn!(seconds = GRACE.as_secs(), "requests still running after the grace period were cut off");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    /// Serves one connection as the stack serves each, every request's body read by
    /// [`read_body`], and answers what it read.
    async fn serve_one(listener: TcpListener) {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let service = service_fn(|request: hyper::Request<Incoming>| async move {
            let (parts, body) = request.into_parts();
            let response = match read_body(body, &parts.headers).await {
                Ok(bytes) => Response::new(Body::Text(format!("{} bytes", bytes.len()))),
                Err(refused) => *refused,
            };
            Ok::<_, Infallible>(to_hyper(response))
        });
        let _ = connections()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    }

    /// Sends `sent` on a connection to a server of its own and reads until the server closes
    /// it: what came back, and how long that took on the runtime's clock.
    async fn send_and_wait(sent: &[u8]) -> (String, Duration) {
        let (answer, waited, _) = send_trickle_and_wait(sent, None).await;
        (answer, waited)
    }

    /// [`send_and_wait`], then one more byte every `every` (when given) while the server has
    /// not answered; also how many of those bytes went out before the answer.
    async fn send_trickle_and_wait(
        sent: &[u8],
        every: Option<Duration>,
    ) -> (String, Duration, usize) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let trickled = Arc::new(AtomicUsize::new(0));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_one(listener));
        let client = TcpStream::connect(addr).await.unwrap();
        let (mut client, mut writer) = client.into_split();
        writer.write_all(sent).await.unwrap();
        let started = tokio::time::Instant::now();
        if let Some(every) = every {
            let trickled = Arc::clone(&trickled);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if writer.write_all(b" ").await.is_err() {
                        return;
                    }
                    trickled.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let mut answer = Vec::new();
        // A server that never answers fails the test instead of hanging it.
        tokio::time::timeout(3 * READ_TIMEOUT, client.read_to_end(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("nothing but {answer:?} within {:?}", 3 * READ_TIMEOUT))
            .unwrap();
        let waited = started.elapsed();
        let trickled = trickled.load(Ordering::Relaxed);
        (
            String::from_utf8_lossy(&answer).into_owned(),
            waited,
            trickled,
        )
    }

    // The clock is paused: it moves only when every task waits, straight to the next timer,
    // so these take no wall-clock time and what they measure is the timers' own.

    /// A request whose body stops after its first byte of the 100 it announces.
    const UNFINISHED_BODY: &[u8] =
        b"POST /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 100\r\n\r\n{";

    /// Whether `waited` is the read timeout, to the timer's millisecond.
    fn at_the_read_timeout(waited: Duration) -> bool {
        waited >= READ_TIMEOUT && waited <= READ_TIMEOUT + Duration::from_millis(1)
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_coming_is_answered_408_when_the_read_timeout_has_passed() {
        let (answer, waited) = send_and_wait(UNFINISHED_BODY).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
        assert!(answer.contains(r#""timeout_seconds":10"#), "{answer}");
        assert!(at_the_read_timeout(waited), "answered after {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_trickled_a_byte_every_two_seconds_is_answered_408_when_the_read_timeout_has_passed()
     {
        // Each byte would restart a deadline counted from the last one: this is one for the
        // whole body, counted from its headers.
        let (answer, waited, trickled) =
            send_trickle_and_wait(UNFINISHED_BODY, Some(Duration::from_secs(2))).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        // At 2, 4, 6 and 8 s (and perhaps at 10 s, the instant of the answer).
        assert!(trickled >= 4, "only {trickled} bytes were trickled");
        assert!(at_the_read_timeout(waited), "answered after {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_sent_whole_is_read_at_once() {
        let (answer, waited) = send_and_wait(
            b"POST /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("2 bytes"), "{answer}");
        assert_eq!(waited, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn headers_that_stop_coming_close_the_connection_when_the_read_timeout_has_passed() {
        let (answer, waited) = send_and_wait(b"POST /x HTTP/1.1\r\nHost: loc").await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
        assert!(at_the_read_timeout(waited), "closed after {waited:?}");
    }
}
