#!/usr/bin/env python3
"""Cold-start figure of a function binary: time from process start to its first Runtime API poll.

Usage: python3 infra/measure_init.py target/release/submit-feedback
A minimal Lambda Runtime API on loopback records when the first /next poll arrives; the binary is
started five times with the environment Lambda gives it (dummy credentials, no network use).
"""
import http.server, sys, threading, time, subprocess, os, socket

binary = sys.argv[1]
first_poll = {}

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.endswith("/invocation/next") and "t" not in first_poll:
            first_poll["t"] = time.monotonic()
        time.sleep(5)  # hold the poll; the measurement is done
        self.send_response(500); self.end_headers()

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
env = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
       "AWS_LAMBDA_FUNCTION_NAME": "f", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_VERSION": "1",
       "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
       "AWS_EC2_METADATA_DISABLED": "true", "STANDING_TABLE": "standing", "AWS_LAMBDA_LOG_FORMAT": "JSON"}
results = []
for _ in range(5):
    first_poll.clear()
    start = time.monotonic()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while "t" not in first_poll and time.monotonic() - start < 10:
        time.sleep(0.0005)
    results.append((first_poll.get("t", float("nan")) - start) * 1000)
    p.kill(); p.wait()
print(f"{os.path.basename(binary)}: " + ", ".join(f"{r:.1f}" for r in results) + " ms")
