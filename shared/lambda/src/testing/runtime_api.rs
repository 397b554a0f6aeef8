//! A fake Lambda Runtime API on loopback, and a function's binary run against it as Lambda runs
//! it: the binary polls `GET /2018-06-01/runtime/invocation/next`, receives an event with the
//! headers Lambda sends, and posts its answer to `.../invocation/{id}/response` or `/error`.
//!
//! A tiny HTTP/1.1 responder on std threads: one thread per connection (the runtime client keeps
//! its connection alive between polls), bodies read by `Content-Length`.

use super::stores::DynamoDbLocalStore;
use standing_testkit::TempDir;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;

const API: &str = "/2018-06-01/runtime";
/// What the invocation's deadline header promises: the function's timeout, from now.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

/// What the function posted for an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `POST .../invocation/{id}/response`: the handler's answer.
    Response(serde_json::Value),
    /// `POST .../invocation/{id}/error`: the `Lambda-Runtime-Function-Error-Type` header and the
    /// error body (`{"errorType", "errorMessage"}`).
    Error {
        error_type: Option<String>,
        body: serde_json::Value,
    },
}

/// The fake Runtime API. Queue an event with [`RuntimeApi::invoke`]; the next poll receives it.
pub struct RuntimeApi {
    address: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    function_arn: String,
}

#[derive(Default)]
struct State {
    queued: VecDeque<Queued>,
    in_flight: HashMap<String, oneshot::Sender<Answer>>,
    first_poll: Option<Instant>,
    init_error: Option<String>,
    next_id: u64,
    closed: bool,
}

struct Queued {
    request_id: String,
    event: Vec<u8>,
    answer: oneshot::Sender<Answer>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until an invocation is queued (as Lambda holds a poll until there is work), or
    /// the API shuts down.
    fn next_invocation(&self) -> Option<(String, Vec<u8>)> {
        let mut state = self.lock();
        state.first_poll.get_or_insert_with(Instant::now);
        loop {
            if state.closed {
                return None;
            }
            if let Some(queued) = state.queued.pop_front() {
                state
                    .in_flight
                    .insert(queued.request_id.clone(), queued.answer);
                return Some((queued.request_id, queued.event));
            }
            state = self
                .wake
                .wait_timeout(state, Duration::from_millis(200))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn answer(&self, request_id: &str, answer: Answer) -> bool {
        match self.lock().in_flight.remove(request_id) {
            Some(sender) => {
                // The test may have stopped waiting; the answer is then nobody's business.
                let _ = sender.send(answer);
                true
            }
            None => false,
        }
    }
}

impl RuntimeApi {
    /// Listens on a free loopback port, serving the invocations of function `function_name`.
    pub fn start(function_name: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let address = listener.local_addr().expect("the listener's address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            function_arn: format!("arn:aws:lambda:us-east-1:000000000000:function:{function_name}"),
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.lock().closed {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let serving = Arc::clone(&accepting);
                thread::spawn(move || {
                    // A connection that breaks mid-request is the client's business.
                    let _ = serve(stream, &serving);
                });
            }
        });
        Self { address, shared }
    }

    /// `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// When the function first asked for work.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.lock().first_poll
    }

    /// What the function reported to `/runtime/init/error`, if it failed to start.
    pub fn init_error(&self) -> Option<String> {
        self.shared.lock().init_error.clone()
    }

    /// Hands `event` to the function's next poll and waits for what it posts back.
    pub async fn invoke(
        &self,
        event: &serde_json::Value,
        within: Duration,
    ) -> Result<Answer, String> {
        let (sender, receiver) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            state.next_id += 1;
            let request_id = format!(
                "{:08x}-0000-4000-8000-{:012x}",
                std::process::id(),
                state.next_id
            );
            state.queued.push_back(Queued {
                request_id,
                event: event.to_string().into_bytes(),
                answer: sender,
            });
        }
        self.shared.wake.notify_all();
        match tokio::time::timeout(within, receiver).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err("the Runtime API dropped the invocation".to_owned()),
            Err(_) => Err(format!(
                "no answer within {} s (the function {}; init error: {:?})",
                within.as_secs(),
                if self.first_poll().is_some() {
                    "polled for work"
                } else {
                    "never polled for work"
                },
                self.init_error()
            )),
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        // Wakes the accepting thread so that it sees the API is closed.
        let _ = TcpStream::connect(self.address);
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let next = format!("{API}/invocation/next");
    let invocation = format!("{API}/invocation/");
    let init_error = format!("{API}/init/error");
    while let Some(request) = read_request(&mut reader)? {
        let path = request.path.as_str();
        match request.method.as_str() {
            "GET" if path == next => {
                let Some((request_id, event)) = shared.next_invocation() else {
                    return Ok(());
                };
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| (d + FUNCTION_TIMEOUT).as_millis())
                    .unwrap_or_default()
                    .to_string();
                let headers = [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id.as_str()),
                    ("Lambda-Runtime-Deadline-Ms", deadline.as_str()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        shared.function_arn.as_str(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-6743e9a0-0a1b2c3d4e5f60718293a4b5;Parent=53995c3f42cd8ad8;Sampled=0",
                    ),
                ];
                write_response(&mut writer, "200 OK", &headers, &event)?;
            }
            "POST" if path == init_error => {
                shared.lock().init_error = Some(String::from_utf8_lossy(&request.body).into());
                write_response(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#)?;
            }
            "POST" if path.starts_with(&invocation) => {
                let rest = &path[invocation.len()..];
                let answer = match rest.split_once('/') {
                    Some((id, "response")) => Some((id, Answer::Response(json_body(&request)))),
                    Some((id, "error")) => Some((
                        id,
                        Answer::Error {
                            error_type: request
                                .header("lambda-runtime-function-error-type")
                                .map(str::to_owned),
                            body: json_body(&request),
                        },
                    )),
                    _ => None,
                };
                let known = answer.map(|(id, answer)| shared.answer(id, answer));
                match known {
                    Some(true) => {
                        write_response(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#)?
                    }
                    Some(false) => write_response(
                        &mut writer,
                        "400 Bad Request",
                        &[],
                        br#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
                    )?,
                    None => write_response(&mut writer, "404 Not Found", &[], b"{}")?,
                }
            }
            _ => write_response(&mut writer, "404 Not Found", &[], b"{}")?,
        }
    }
    Ok(())
}

struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    /// A header by its lower-case name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn json_body(request: &HttpRequest) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&request.body).into_owned())
    })
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// One request of a keep-alive connection; `None` when the client closed it.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<HttpRequest>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(invalid("a malformed request line"));
    };
    let (method, path) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Err(invalid("the connection closed inside the headers"));
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let mut request = HttpRequest {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    // The runtime client sends buffered answers with a length; a streamed (chunked) answer
    // would be a response-streaming function, which none of Standing's is.
    if request.header("transfer-encoding").is_some() {
        return Err(invalid(
            "a chunked body: only buffered answers are expected",
        ));
    }
    if let Some(length) = request.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid("a bad content-length"))?;
        request.body = vec![0; length];
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(request))
}

fn write_response(
    writer: &mut impl Write,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    writer.write_all(head.as_bytes())?;
    writer.write_all(body)?;
    writer.flush()
}

/// A function's binary, started as Lambda starts it: `AWS_LAMBDA_RUNTIME_API` pointing at the
/// fake API, Lambda's reserved variables, the table on DynamoDB Local, dummy credentials, and
/// nothing else of the test's environment. Killed when dropped.
pub struct FunctionProcess {
    child: Child,
    started: Instant,
    log: PathBuf,
    _dir: TempDir,
}

impl FunctionProcess {
    /// Starts `binary` as function `function_name` against `api`, on `store`'s table.
    pub fn spawn(
        binary: &str,
        function_name: &str,
        api: &RuntimeApi,
        store: &DynamoDbLocalStore,
    ) -> Self {
        let dir = TempDir::new("function-process").expect("a temporary directory");
        let log = dir.path().join("function.log");
        let out = File::create(&log).expect("a log file");
        let err = out.try_clone().expect("the log file, twice");
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function_name}"),
            )
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/11/24/[$LATEST]0123456789abcdef",
            )
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", standing_testkit::REGION)
            .env("AWS_DEFAULT_REGION", standing_testkit::REGION)
            // DynamoDB Local accepts only letters and digits in an access key id.
            .env("AWS_ACCESS_KEY_ID", "standingtest")
            .env("AWS_SECRET_ACCESS_KEY", "standingtest")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &store.endpoint)
            .env("STANDING_TABLE", &store.table)
            .env("TZ", ":UTC")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let started = Instant::now();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {binary}: {e}"));
        Self {
            child,
            started,
            log,
            _dir: dir,
        }
    }

    /// From the spawn to the first poll for work: the cold start as Lambda would see it.
    pub fn init_duration(&self, api: &RuntimeApi) -> Option<Duration> {
        api.first_poll().map(|at| at.duration_since(self.started))
    }

    /// Whether the process has ended, and how.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// What the function logged so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        // This process was started here: end it by its own handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a test waits for a function's answer: DynamoDB Local may be slow on a busy machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(90);

/// A function's binary running against its own fake Runtime API.
pub struct LambdaFunction {
    name: String,
    // Declared before the API: the process ends before the API closes.
    process: FunctionProcess,
    api: RuntimeApi,
}

impl LambdaFunction {
    /// Starts `binary` (a function crate's `env!("CARGO_BIN_EXE_<name>")`) as function `name`
    /// on `store`'s table.
    pub fn start(binary: &str, name: &str, store: &DynamoDbLocalStore) -> Self {
        let api = RuntimeApi::start(name);
        let process = FunctionProcess::spawn(binary, name, &api, store);
        Self {
            name: name.to_owned(),
            process,
            api,
        }
    }

    /// Hands `event` to the function and returns what it posted back; a function that does not
    /// answer fails the test with its log.
    pub async fn invoke(&self, event: &serde_json::Value) -> Answer {
        match self.api.invoke(event, ANSWER_WITHIN).await {
            Ok(answer) => answer,
            Err(e) => panic!("{}: {e}\nits log:\n{}", self.name, self.process.log()),
        }
    }

    /// Invokes with an API Gateway HTTP API request ([`super::apigw_event`]) and reads the
    /// response the function posted.
    pub async fn http(
        &self,
        method: &str,
        path_and_query: &str,
        caller: super::invoke::Caller,
        body: Option<&str>,
    ) -> super::invoke::Reply {
        let event = super::apigw_event(method, path_and_query, caller, body);
        match self.invoke(&event).await {
            Answer::Response(wire) => super::invoke::Reply::from_wire(&wire),
            error => panic!(
                "{}: {method} {path_and_query} failed the invocation: {error:?}\nits log:\n{}",
                self.name,
                self.process.log()
            ),
        }
    }

    /// The time from process start to the first poll for work; prints it for the test output.
    pub fn report_init_duration(&self) -> Duration {
        let init = self
            .process
            .init_duration(&self.api)
            .unwrap_or_else(|| panic!("{} never polled for work", self.name));
        println!(
            "[init] {}: {:.1} ms from process start to the first /next poll ({} build)",
            self.name,
            init.as_secs_f64() * 1000.0,
            if cfg!(debug_assertions) {
                "test-profile, unoptimised"
            } else {
                "optimised"
            }
        );
        init
    }

    /// What the function logged so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Whether the process is still running (a handler error must not end it).
    pub fn is_running(&mut self) -> bool {
        self.process.exited().is_none()
    }
}
