//! Routing as API Gateway does it: unknown paths 404, wrong methods 405, both in the contract's
//! error shape; the development routes only with the dev clock; one access line per request.

use serde_json::json;

use crate::support::{Stack, TempDir, token};

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
    let lines = crate::support::eventually(std::time::Duration::from_secs(5), || {
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
    let said = crate::support::eventually(std::time::Duration::from_secs(5), || {
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
