//! Tokens: HS256 signed with the stack's secret, checked against wall time; anything else is a
//! 401 in the contract's error shape.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use serde_json::json;
use standing_local::jwt::{self, Secret};

use crate::support::{Reply, SECRET, Stack, TempDir, binary, secret, token};

fn stack(dir: &TempDir) -> Stack {
    Stack::start(&dir.path().join("data"), &[])
}

fn assert_unauthenticated(reply: &Reply) {
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["code"], "unauthenticated");
    assert!(reply.body["error"]["message"].as_str().unwrap().len() > 10);
    assert_eq!(reply.body["error"]["details"], json!({}));
    assert_eq!(reply.headers["content-type"], "application/json");
}

#[test]
fn a_token_signed_with_the_stacks_secret_is_accepted_and_names_the_caller() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let reply = stack.get(
        "/freelancers/fl-1/standing",
        Some(&token("fl-1", &["freelancer"])),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["freelancer_id"], "fl-1");
    assert_eq!(reply.body["standing"], "good");
    // The roles reach the handler: a client may not read another freelancer's standing.
    let reply = stack.get(
        "/freelancers/fl-1/standing",
        Some(&token("cl-1", &["client"])),
    );
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}

#[test]
fn a_token_with_a_bad_signature_is_refused_with_401_json() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let other = Secret::new("not-the-stacks-secret-but-long-enough-to-sign").unwrap();
    let forged = jwt::sign(
        &jwt::local_claims("fl-1", &["reviewer".into()], Utc::now(), 3600),
        &other,
    );
    assert_unauthenticated(&stack.get("/freelancers/fl-1/standing", Some(&forged)));
}

#[test]
fn a_token_with_alg_none_is_refused_with_401_json() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = jwt::local_claims("fl-1", &["reviewer".into()], Utc::now(), 3600);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims).to_string());
    for unsigned in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_unauthenticated(&stack.get("/freelancers/fl-1/standing", Some(&unsigned)));
    }
}

#[test]
fn an_expired_token_is_refused_with_401_json() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let expired = jwt::sign(
        &jwt::local_claims(
            "fl-1",
            &["freelancer".into()],
            Utc::now() - Duration::hours(2),
            3600,
        ),
        &secret(),
    );
    let reply = stack.get("/freelancers/fl-1/standing", Some(&expired));
    assert_unauthenticated(&reply);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[test]
fn a_request_without_a_token_is_refused_with_401_json() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let reply = stack.get("/appeals?status=pending", None);
    assert_unauthenticated(&reply);
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    assert_unauthenticated(&stack.get("/appeals", Some("not-a-jwt")));
}

#[test]
fn the_token_command_prints_a_token_the_stack_accepts() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    let out = Command::new(binary())
        .args([
            "token",
            "--sub",
            "rv-1",
            "--role",
            "reviewer",
            "--ttl-secs",
            "600",
        ])
        .env("STANDING_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let reply = stack.get("/freelancers/fl-1/audit", Some(token.trim()));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body, json!({"items": [], "next_cursor": null}));
}

#[test]
fn the_token_command_without_a_secret_says_how_to_set_one() {
    let out = Command::new(binary())
        .args(["token", "--sub", "rv-1", "--role", "reviewer"])
        .env_remove("STANDING_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(said.contains("STANDING_JWT_SECRET is not set"), "{said}");
}

#[test]
fn a_roles_claim_of_anything_but_exact_role_words_grants_nothing() {
    let dir = TempDir::new("local-auth").unwrap();
    let stack = stack(&dir);
    for loose in [
        json!(["client reviewer"]),
        json!("client,reviewer"),
        json!([["reviewer"]]),
        json!("[client, reviewer]"),
    ] {
        let mut claims = jwt::local_claims("cl-9", &[], Utc::now(), 3600);
        claims.insert("roles".into(), loose.clone());
        let token = jwt::sign(&claims, &secret());
        // The reviewers' queue is for reviewers only.
        let reply = stack.get("/complaints?status=open", Some(&token));
        assert_eq!(reply.status, 403, "{loose}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["code"], "forbidden", "{loose}");
    }
    // The exact words still count.
    let reviewer = token("rv-1", &["reviewer"]);
    assert_eq!(
        stack.get("/complaints?status=open", Some(&reviewer)).status,
        200
    );
}

#[test]
fn a_secret_shorter_than_32_bytes_stops_the_stack_and_the_token_command_with_a_sentence() {
    let dir = TempDir::new("local-auth").unwrap();
    for args in [
        vec!["serve", "--addr", "127.0.0.1:0", "--data"],
        vec!["token", "--sub", "rv-1", "--role", "reviewer"],
    ] {
        let mut command = Command::new(binary());
        command.args(&args);
        if args[0] == "serve" {
            command.arg(dir.path().join("data"));
        }
        let out = command
            .env("STANDING_JWT_SECRET", "short-secret")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let said = String::from_utf8(out.stderr).unwrap();
        assert!(said.contains("at least 32 bytes"), "{args:?}: {said}");
    }
}

#[test]
fn a_generated_session_secret_is_printed_on_standard_error_only() {
    use std::io::{BufRead, BufReader, Read};
    let dir = TempDir::new("local-auth").unwrap();
    let mut child = Command::new(binary())
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env_remove("STANDING_JWT_SECRET")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    while !said.contains("standing: ready") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = stdout.read_to_string(&mut said);
    let mut errors = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut errors)
        .unwrap();
    let _ = child.wait();
    let secret = errors
        .lines()
        .find_map(|l| l.strip_prefix("standing: session secret: STANDING_JWT_SECRET="))
        .unwrap_or_else(|| panic!("no secret on stderr: {errors}"));
    assert_eq!(secret.len(), 64, "{secret}");
    assert!(!said.contains(secret), "the secret is on stdout: {said}");
    assert!(said.contains("printed on standard error"), "{said}");
}
