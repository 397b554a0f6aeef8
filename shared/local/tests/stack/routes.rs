//! Routing as API Gateway does it: unknown paths 404, wrong methods 405, both in the contract's
//! error shape; the development routes only with the dev clock; one access line per request.

use serde_json::json;

use crate::support::{Stack, TempDir, send_head, token};

#[test]
fn an_unknown_route_is_404_json_even_without_a_token() {
    let dir = TempDir::new("local-routes").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    for reply in [
        stack.get("/nowhere", None),
        stack.get(
            "/freelancers/fl-1/nothing",
            Some(&token("fl-1", &["freelancer"])),
        ),
    ] {
        assert_eq!(reply.status, 404, "{:?}", reply.body);
        assert_eq!(reply.body["error"]["code"], "not_found");
        assert_eq!(reply.headers["content-type"], "application/json");
    }
}

#[test]
fn a_known_path_with_the_wrong_method_is_405_json_naming_the_allowed_ones() {
    let dir = TempDir::new("local-routes").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    let reply = stack.send("DELETE", "/contracts/c1/feedback", None, None);
    assert_eq!(reply.status, 405, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["code"], "method_not_allowed");
    assert_eq!(
        reply.body["error"]["details"]["allow"],
        json!(["POST", "GET"])
    );
    assert_eq!(reply.headers["allow"], "POST, GET");
}

#[test]
fn the_dev_routes_are_absent_without_the_dev_clock() {
    let dir = TempDir::new("local-routes").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    let reviewer = token("rv-1", &["reviewer"]);
    for path in ["/_dev/clock", "/_dev/tick"] {
        let reply = stack.post(path, Some(&reviewer), &json!({"advance_days": 1}));
        assert_eq!(reply.status, 404, "{path}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
}

#[test]
fn each_request_writes_one_access_line_with_method_path_status_and_milliseconds() {
    let dir = TempDir::new("local-routes").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    stack.get("/nowhere?x=1", None);
    stack.get(
        "/freelancers/fl-1/profile",
        Some(&token("fl-1", &["freelancer"])),
    );
    let lines = crate::support::poll(std::time::Duration::from_secs(5), || {
        let lines: Vec<String> = stack
            .output()
            .into_iter()
            .filter(|l| l.contains(" GET /"))
            .collect();
        (lines.len() == 2).then_some(lines)
    })
    .expect("two access lines");
    let words: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(&words[1..4], ["GET", "/nowhere", "404"]);
    assert!(words[4].ends_with("ms") && words[4].trim_end_matches("ms").parse::<u64>().is_ok());
    let words: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(&words[1..4], ["GET", "/freelancers/fl-1/profile", "200"]);
}

#[test]
fn startup_says_where_the_stack_listens_what_it_stores_in_and_how_to_get_a_token() {
    let dir = TempDir::new("local-routes").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    let said = crate::support::poll(std::time::Duration::from_secs(5), || {
        let out = stack.output().join("\n");
        out.contains("standing: ready").then_some(out)
    })
    .expect("a ready line");
    assert!(
        said.contains(&format!("listening on {}", stack.url())),
        "{said}"
    );
    assert!(said.contains("standing.redb"), "{said}");
    assert!(said.contains("standing token --sub"), "{said}");
}

#[test]
fn a_host_or_scheme_header_no_url_parser_accepts_is_answered_and_the_stack_lives_on() {
    let dir = TempDir::new("local-hostile-headers").unwrap();
    let mut stack = Stack::start(dir.path(), &[]);
    let addr = stack.addr;
    let bearer = token("fl-1", &["freelancer"]);
    let path = "/freelancers/fl-1/standing";
    for headers in [
        "Host: a b".to_owned(),
        "Host: x:99999".to_owned(),
        "Host: x^y".to_owned(),
        format!("Host: {addr}\r\nX-Forwarded-Proto: 1"),
        "Host: [::1\r\nX-Forwarded-Proto: ht tp".to_owned(),
    ] {
        let head = format!("GET {path} HTTP/1.1\r\n{headers}\r\nAuthorization: Bearer {bearer}");
        let reply = send_head(addr, &head);
        assert_eq!(reply.status, 200, "{headers:?}: {:?}", reply.body);
        assert_eq!(reply.body["freelancer_id"], "fl-1", "{headers:?}");
    }
    // Still serving, and never aborted.
    let after = stack.get(path, Some(&bearer));
    assert_eq!(after.status, 200, "{:?}\n{}", after.body, stack.stderr());
    assert!(stack.signal("TERM").success(), "{}", stack.stderr());
}

#[test]
fn an_id_that_is_a_path_segment_or_starts_with_a_symbol_is_400() {
    let dir = TempDir::new("local-ids").unwrap();
    let stack = Stack::start(dir.path(), &[]);
    let service = token("marketplace", &["service"]);
    let body = json!({
        "client_id": "cl-1", "freelancer_id": "fl-1",
        "started_at": "2026-01-01T00:00:00Z", "total_charged_minor": 100, "currency": "USD",
    });
    for id in ["..", ".", "-k1", "_k1"] {
        let reply = stack.put(&format!("/contracts/{id}"), Some(&service), &body);
        assert_eq!(reply.status, 400, "{id}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["code"], "invalid_field", "{id}");
    }
    let ok = stack.put("/contracts/k1", Some(&service), &body);
    assert_eq!(ok.status, 200, "{:?}", ok.body);
}

#[test]
fn an_over_long_body_is_refused_from_its_content_length_before_it_is_read() {
    use std::io::{Read, Write};
    let dir = TempDir::new("local-long-body").unwrap();
    let stack = Stack::start(dir.path(), &[]);
    let mut socket = std::net::TcpStream::connect(stack.addr).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    // 10 MiB announced, not one byte of it sent: the answer comes without waiting for it.
    let head = format!(
        "PUT /contracts/k1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        token("marketplace", &["service"]),
        10 * 1024 * 1024
    );
    socket.write_all(head.as_bytes()).unwrap();
    let mut answer = [0u8; 512];
    let n = socket.read(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once_and_served_again_once_others_close() {
    use std::io::Read;
    let dir = TempDir::new("local-conn-cap").unwrap();
    let stack = Stack::start(dir.path(), &["--max-connections", "4"]);
    let addr = stack.addr;
    let idle: Vec<std::net::TcpStream> = (0..4)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    // The fifth is accepted by the kernel and closed by the stack without a byte. No pause is
    // needed: the kernel hands connections to the stack in the order they were made, so the four
    // before it hold every slot by the time it is taken.
    let mut fifth = std::net::TcpStream::connect(addr).unwrap();
    fifth
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        fifth.read(&mut buf).unwrap_or(0),
        0,
        "the fifth connection is closed"
    );
    drop(idle);
    // Served again once the stack has seen the others close: a connection it still refuses
    // answers nothing, and is tried again.
    let token = token("fl-1", &["freelancer"]);
    let served = crate::support::poll(std::time::Duration::from_secs(10), || {
        standing_testkit::http::send(
            addr,
            "GET",
            "/freelancers/fl-1/standing",
            Some(&token),
            None,
        )
        .ok()
    });
    let reply = served.expect("the stack serves again once the idle connections closed");
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}
