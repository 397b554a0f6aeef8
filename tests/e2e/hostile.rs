//! Hostile input, all of it against one running stack: headers no URL parser accepts, too many
//! complaints, claims and texts disguised with invisible characters, ids that are path segments,
//! bodies too large or too slow, tokens that are not the stack's, role claims that only look like
//! roles, bad list parameters. Each is answered with the documented status and error code, and
//! after each the stack still answers an ordinary request.

use std::thread;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::api::{client_feedback, public, register_ended};
use crate::support::{
    Caller, Clock, Reply, Stack, Store, on_both_stores, send_chunked, send_raw, token_with, trickle,
};

const FREELANCER: &str = "fl-hostile";

/// The stack's read timeout (`READ_TIMEOUT` in the local stack): a body slower than this is cut
/// off with 408.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The stack answers an ordinary request, and has not panicked, after `what`.
#[track_caller]
fn still_answers(stack: &Stack, what: &str) {
    let fl = Caller::freelancer(FREELANCER);
    let reply = stack
        .try_send(
            "GET",
            &format!("/freelancers/{FREELANCER}/standing"),
            Some(&fl.token),
            None,
        )
        .unwrap_or_else(|e| panic!("after {what} the stack is gone: {e}\n{}", stack.stderr()));
    assert_eq!(
        reply.status, 200,
        "after {what} a standing read answered {}: {}",
        reply.status, reply.body
    );
    assert!(
        !stack.stderr().contains("panicked"),
        "after {what}:\n{}",
        stack.stderr()
    );
}

fn complaint(claim: &str) -> Value {
    json!({
        "category": "certification", "claim": claim,
        "statement": "The issuer's register has no such certificate.",
        "evidence": ["https://registry.example/verify?id=none"],
    })
}

fn complaints_path() -> String {
    format!("/freelancers/{FREELANCER}/complaints")
}

/// `Host` and `X-Forwarded-Proto` values no URL parser accepts: the request is served as any
/// other (200: the stack does not build URLs from them), and the stack lives on.
fn headers_no_url_parser_accepts(stack: &Stack) {
    let fl = Caller::freelancer(FREELANCER);
    let addr = stack.addr();
    for headers in [
        "Host: a b".to_owned(),
        "Host: x:99999".to_owned(),
        "Host: x^y".to_owned(),
        format!("Host: {addr}\r\nX-Forwarded-Proto: 1"),
        "Host: [::1\r\nX-Forwarded-Proto: ht tp".to_owned(),
    ] {
        let head = format!(
            "GET /freelancers/{FREELANCER}/standing HTTP/1.1\r\n{headers}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            fl.token
        );
        let reply = send_raw(addr, head.as_bytes())
            .unwrap_or_else(|e| panic!("{headers:?}: {e}\n{}", stack.stderr()));
        assert_eq!(reply.status, 200, "{headers:?}: {}", reply.body);
        assert_eq!(reply.body["freelancer_id"], FREELANCER, "{headers:?}");
        still_answers(stack, &format!("the headers {headers:?}"));
    }
}

/// §7: at most 5 open complaints per reporter about one freelancer; the sixth is 422.
fn a_sixth_open_complaint_by_one_reporter(stack: &Stack, reporter: &Caller) {
    for n in 1..=5 {
        stack
            .post(
                &complaints_path(),
                reporter,
                &complaint(&format!("Certificate {n}")),
            )
            .expect(201);
    }
    let details = stack
        .post(&complaints_path(), reporter, &complaint("Certificate 6"))
        .expect_error(422, "too_many_open_complaints");
    assert_eq!(details["max_open"], 5, "{details}");
    still_answers(stack, "a sixth open complaint");
}

/// §7, §10: a claim that differs only by a zero-width space is refused, naming the field (so it
/// can never be a second claim); one that differs only by width, case and spacing is the same
/// claim (409).
fn the_same_claim_in_disguise(stack: &Stack, reporter: &Caller) {
    let claim = "AWS Certified Solutions Architect";
    stack
        .post(&complaints_path(), reporter, &complaint(claim))
        .expect(201);
    let zero_width = "AWS\u{200B} Certified Solutions Architect";
    let details = stack
        .post(&complaints_path(), reporter, &complaint(zero_width))
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "claim", "{details}");
    let wide = "ＡＷＳ certified  SOLUTIONS architect";
    stack
        .post(&complaints_path(), reporter, &complaint(wide))
        .expect_error(409, "already_exists");
    still_answers(stack, "a claim in disguise");
}

/// §10: bidirectional overrides and zero-width characters in any free text: 400, naming the
/// field.
fn invisible_formatting_in_free_text(stack: &Stack, client: &Caller) {
    let feedback = "/contracts/h-2/feedback";
    let cases: [(&str, Value, &str); 4] = [
        (
            feedback,
            client_feedback(public(5, "Great\u{202E}gnp.exe"), "other", "n"),
            "public.comment",
        ),
        (
            feedback,
            client_feedback(public(5, "Great."), "other", "fine\u{200B}"),
            "private.note",
        ),
        (
            "/freelancers/fl-hostile/complaints",
            json!({
                "category": "degree", "claim": "PhD",
                "statement": "No such \u{2066}degree\u{2069}.", "evidence": ["none"],
            }),
            "statement",
        ),
        (
            "/freelancers/fl-hostile/complaints",
            json!({
                "category": "degree", "claim": "PhD",
                "statement": "No such degree.", "evidence": ["\u{FEFF}https://x.example"],
            }),
            "evidence[0]",
        ),
    ];
    for (path, body, field) in cases {
        let details = stack
            .post(path, client, &body)
            .expect_error(400, "invalid_field");
        assert_eq!(details["field"], field, "{body}: {details}");
        still_answers(stack, &format!("invisible formatting in {field}"));
    }
}

/// Ids that are path segments (`.`, `..`, also percent-encoded): 400 naming the id, never a
/// route to somewhere else.
fn ids_that_are_path_segments(stack: &Stack) {
    let service = Caller::service();
    let contract = json!({
        "client_id": "cl-h-1", "freelancer_id": FREELANCER,
        "started_at": "2026-01-01T00:00:00Z", "total_charged_minor": 100, "currency": "USD",
    });
    for id in [".", "..", "%2E", "%2e%2E"] {
        let details = stack
            .put(&format!("/contracts/{id}"), &service, &contract)
            .expect_error(400, "invalid_field");
        assert_eq!(details["field"], "contract_id", "{id}: {details}");
        still_answers(stack, &format!("PUT /contracts/{id}"));
    }
    for id in [".", "..", "%2E%2E"] {
        let details = stack
            .get(&format!("/freelancers/{id}/standing"), &service)
            .expect_error(400, "invalid_field");
        assert_eq!(details["field"], "freelancer_id", "{id}: {details}");
    }
    still_answers(stack, "ids that are path segments");
}

/// A body over 64 KiB: 413, whether its `Content-Length` says so (sent, or only announced) or
/// it streams in chunks with no length at all.
fn bodies_over_the_limit(stack: &Stack) {
    let fl = Caller::freelancer(FREELANCER);
    let path = "/contracts/h-1/feedback/client/response";
    let big = json!({"text": "a".repeat(70 * 1024)});
    let details = stack
        .put(path, &fl, &big)
        .expect_error(413, "payload_too_large");
    assert_eq!(details["limit_bytes"], 64 * 1024, "{details}");
    still_answers(stack, "a 70 KiB body");

    let head = |framing: &str| {
        format!(
            "PUT {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n",
            fl.token
        )
    };
    // 10 MiB announced, not one byte sent: answered without waiting for it.
    let announced = head(&format!("Content-Length: {}", 10 * 1024 * 1024));
    let reply = send_raw(stack.addr(), announced.as_bytes()).unwrap();
    reply.expect_error(413, "payload_too_large");
    still_answers(stack, "10 MiB announced");

    let reply = send_chunked(
        stack.addr(),
        &head("Transfer-Encoding: chunked"),
        64 * 1024 + 1,
        8 * 1024,
    )
    .unwrap_or_else(|e| panic!("a chunked body over the limit: {e}\n{}", stack.stderr()));
    reply.expect_error(413, "payload_too_large");
    still_answers(stack, "a chunked body over the limit");
    // A chunked body within the limit is read as any other.
    let reply = send_chunked(stack.addr(), &head("Transfer-Encoding: chunked"), 1024, 256).unwrap();
    reply.expect_error(400, "invalid_json");
}

/// Tokens that are not the stack's (another issuer, another audience) are 401; a token with no
/// roles, or a reviewer's, may not use the development routes (403).
fn foreign_tokens_on_the_dev_routes(stack: &Stack) {
    let iss = token_with("marketplace", |c| {
        c.insert("iss".into(), json!("someone-else"));
        c.insert("roles".into(), json!(["service"]));
    });
    let aud = token_with("marketplace", |c| {
        c.insert("aud".into(), json!("another-api"));
        c.insert("roles".into(), json!(["service"]));
    });
    let no_roles = token_with("marketplace", |c| {
        c.remove("roles");
    });
    let reviewer = Caller::reviewer("rv-hostile").token;
    let body = json!({"advance_days": 0}).to_string();
    for path in ["/_dev/clock", "/_dev/tick"] {
        let send = |token: &str| stack.send("POST", path, Some(token), Some(&body));
        for (token, why) in [(&iss, "iss"), (&aud, "aud")] {
            let reply = send(token);
            reply.expect_error(401, "unauthenticated");
            assert!(
                reply.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(why),
                "{path} with a foreign {why}: {}",
                reply.body
            );
        }
        send(&no_roles).expect_error(403, "forbidden");
        send(&reviewer).expect_error(403, "forbidden");
        still_answers(stack, &format!("foreign tokens on {path}"));
    }
    // The service's own token still moves the clock.
    stack.now();
}

/// A roles claim that only looks like a list of roles grants none: no reviewer's queue.
fn role_claims_that_only_look_like_roles(stack: &Stack) {
    for roles in [
        json!(["client reviewer"]),
        json!("client,reviewer"),
        json!([["reviewer"]]),
        json!("reviewer"),
        json!(r#"["reviewer"]"#),
    ] {
        let token = token_with("cl-h-1", |c| {
            c.insert("roles".into(), roles.clone());
        });
        stack
            .send("GET", "/complaints?status=open", Some(&token), None)
            .expect_error(403, "forbidden");
        still_answers(stack, &format!("the roles claim {roles}"));
    }
    stack
        .get("/complaints?status=open", &Caller::reviewer("rv-hostile"))
        .expect(200);
}

/// Every list refuses a `limit` outside 1–200 or not a number, and a cursor it did not make:
/// 400 `invalid_field`, naming which.
fn bad_list_parameters(stack: &Stack) {
    let reviewer = Caller::reviewer("rv-hostile");
    for list in [
        "/complaints?status=open&",
        "/appeals?status=pending&",
        "/freelancers/fl-hostile/audit?",
        "/freelancers/fl-hostile/profile?",
    ] {
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=-1", "limit"),
            ("limit=1.5", "limit"),
            ("limit=ten", "limit"),
            ("limit=", "limit"),
            ("limit=99999999999999999999999", "limit"),
            ("cursor=not-a-cursor", "cursor"),
            ("cursor=%00%FF", "cursor"),
            ("cursor=", "cursor"),
        ] {
            let path = format!("{list}{query}");
            let details = stack
                .get(&path, &reviewer)
                .expect_error(400, "invalid_field");
            assert_eq!(details["field"], field, "{path}: {details}");
        }
        still_answers(stack, &format!("bad parameters on {list}"));
    }
}

/// A body trickled a byte a second, never complete: 408 once the read timeout has passed.
fn a_trickled_body(stack: &Stack) -> thread::JoinHandle<(Reply, Duration)> {
    let fl = Caller::freelancer(FREELANCER);
    let head = format!(
        "POST /freelancers/{FREELANCER}/appeals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        fl.token
    );
    let addr = stack.addr();
    thread::spawn(move || trickle(addr, &head, Duration::from_secs(1)).unwrap())
}

fn every_hostile_input_is_answered_as_documented_and_the_stack_lives_on(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::freelancer(FREELANCER);
    let (first, second) = (Caller::client("cl-h-1"), Caller::client("cl-h-2"));
    let ended = Utc::now() - chrono::Duration::days(1);
    register_ended(&stack, "h-1", (&first, &fl), ended);
    register_ended(&stack, "h-2", (&second, &fl), ended);
    still_answers(&stack, "the start");
    // The trickle takes the read timeout; it goes on while everything else is sent.
    let trickled = a_trickled_body(&stack);

    headers_no_url_parser_accepts(&stack);
    a_sixth_open_complaint_by_one_reporter(&stack, &first);
    the_same_claim_in_disguise(&stack, &second);
    invisible_formatting_in_free_text(&stack, &second);
    ids_that_are_path_segments(&stack);
    bodies_over_the_limit(&stack);
    foreign_tokens_on_the_dev_routes(&stack);
    role_claims_that_only_look_like_roles(&stack);
    bad_list_parameters(&stack);

    let (reply, took) = trickled.join().unwrap();
    let details = reply.expect_error(408, "request_timeout");
    assert_eq!(
        details["timeout_seconds"],
        READ_TIMEOUT.as_secs(),
        "{details}"
    );
    // Not cut off early. When after the timeout the stack answers is the paused-clock test of
    // its server (`a_body_that_stops_coming_is_answered_408_when_the_read_timeout_has_passed`),
    // not a bound on this machine's wall clock.
    assert!(
        took >= READ_TIMEOUT,
        "a trickled body was cut off after {took:?}"
    );
    still_answers(&stack, "a trickled body");
    assert_eq!(stack.stop().code(), Some(0));
}
on_both_stores!(every_hostile_input_is_answered_as_documented_and_the_stack_lives_on);
