//! Scenario 2, authorization: each route lets in the callers the contract names and refuses the
//! others with 403 `forbidden` — a party, a non-party, the freelancer themself, another
//! freelancer, a reviewer, the marketplace's service. Identity comes from the token only.

use chrono::Duration;
use serde_json::{Value, json};

use crate::api::{client_feedback, freelancer_feedback, public};
use crate::support::{Caller, Clock, Reply, Stack, Store, on_both_stores};

const T0: &str = "2031-05-20T08:00:00Z";

/// The cast: `k1` is a contract between `client` and `freelancer`.
struct Cast {
    client: Caller,
    non_party: Caller,
    /// The client's id with the freelancer role: the id alone is not enough.
    client_as_freelancer: Caller,
    freelancer: Caller,
    other_freelancer: Caller,
    reviewer: Caller,
    service: Caller,
}

impl Cast {
    fn new() -> Cast {
        Cast {
            client: Caller::client("cl-party"),
            non_party: Caller::client("cl-other"),
            client_as_freelancer: Caller::freelancer("cl-party"),
            freelancer: Caller::freelancer("fl-self"),
            other_freelancer: Caller::freelancer("fl-other"),
            reviewer: Caller::reviewer("rv-1"),
            service: Caller::service(),
        }
    }
}

/// One request, to be tried by several callers.
struct Call {
    method: &'static str,
    path: String,
    body: Option<String>,
}

impl Call {
    fn new(method: &'static str, path: &str, body: Option<&Value>) -> Call {
        Call {
            method,
            path: path.to_owned(),
            body: body.map(Value::to_string),
        }
    }

    fn reply(&self, stack: &Stack, caller: &Caller) -> Reply {
        let body = self.body.as_deref();
        stack.send(self.method, &self.path, Some(&caller.token), body)
    }

    /// Each of `callers` is refused with 403 `forbidden`.
    #[track_caller]
    fn refused(&self, stack: &Stack, callers: &[&Caller]) {
        for caller in callers {
            let reply = self.reply(stack, caller);
            assert_eq!(
                reply.status, 403,
                "{} by {} is not refused: {}",
                reply.request, caller.id, reply.body
            );
            reply.expect_error(403, "forbidden");
        }
    }

    /// `caller` gets past authorization and is answered `status`; the body.
    #[track_caller]
    fn allowed(&self, stack: &Stack, caller: &Caller, status: u16) -> Value {
        let reply = self.reply(stack, caller);
        assert_eq!(
            reply.status, status,
            "{} by {}: {}",
            reply.request, caller.id, reply.body
        );
        reply.body
    }
}

fn each_route_lets_in_exactly_the_callers_the_contract_names(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let t0 = stack.set_clock(T0);
    let who = Cast::new();
    let s = &stack;

    // Registering contracts: the service only.
    let contract = json!({
        "client_id": who.client.id, "freelancer_id": who.freelancer.id,
        "started_at": t0 - Duration::days(40), "ended_at": t0 - Duration::days(1),
        "total_charged_minor": 50_000, "currency": "EUR",
    });
    let register = Call::new("PUT", "/contracts/k1", Some(&contract));
    register.refused(s, &[&who.client, &who.freelancer, &who.reviewer]);
    // A caller the route does not name learns nothing of its body rules: 403, not 400.
    let partial = Call::new(
        "PUT",
        "/contracts/k9",
        Some(&json!({"client_id": who.client.id})),
    );
    partial.refused(s, &[&who.client, &who.freelancer, &who.reviewer]);
    register.allowed(s, &who.service, 200);

    // Leaving feedback: the two parties, each in their own direction.
    let by_client = Call::new(
        "POST",
        "/contracts/k1/feedback",
        Some(&client_feedback(
            public(2, "Late and incomplete."),
            "quality_issues",
            "n",
        )),
    );
    let by_freelancer = Call::new(
        "POST",
        "/contracts/k1/feedback",
        Some(&freelancer_feedback(4)),
    );
    by_client.refused(
        s,
        &[
            &who.non_party,
            &who.client_as_freelancer,
            &who.reviewer,
            &who.service,
        ],
    );
    by_freelancer.refused(s, &[&who.other_freelancer]);
    assert_eq!(
        by_client.allowed(s, &who.client, 201)["direction"],
        "client"
    );
    assert_eq!(
        by_freelancer.allowed(s, &who.freelancer, 201)["direction"],
        "freelancer"
    );

    // Reading a contract's feedback: the parties and reviewers; the private part never to the
    // freelancer.
    let read = Call::new("GET", "/contracts/k1/feedback", None);
    read.refused(s, &[&who.non_party, &who.other_freelancer, &who.service]);
    let seen = read.allowed(s, &who.client, 200);
    assert_eq!(seen["client"]["private"]["reason_ended"], "quality_issues");
    let seen = read.allowed(s, &who.freelancer, 200);
    assert!(seen["client"].get("private").is_none(), "{seen}");
    assert_eq!(seen["client"]["public"]["comment"], "Late and incomplete.");
    let seen = read.allowed(s, &who.reviewer, 200);
    assert_eq!(seen["client"]["private"]["reason_ended"], "quality_issues");
    assert!(seen["freelancer"].is_object());

    // Changing the client's feedback: the client asks, the freelancer consents, the client applies.
    let k1 = "/contracts/k1/feedback/client";
    let ask = Call::new("POST", &format!("{k1}/change-request"), None);
    ask.refused(s, &[&who.freelancer, &who.non_party, &who.reviewer]);
    ask.allowed(s, &who.client, 201);
    let consent = Call::new(
        "POST",
        &format!("{k1}/change-consent"),
        Some(&json!({"consent": true})),
    );
    consent.refused(s, &[&who.client, &who.other_freelancer, &who.reviewer]);
    consent.allowed(s, &who.freelancer, 200);
    let change = json!({"public": public(3, "Late, but complete in the end.")});
    let apply = Call::new("PATCH", k1, Some(&change));
    apply.refused(s, &[&who.freelancer, &who.non_party, &who.service]);
    assert_eq!(apply.allowed(s, &who.client, 200)["version"], 2);

    // Responding to and reporting it: the freelancer of the contract; deciding: reviewers.
    let respond = Call::new(
        "PUT",
        &format!("{k1}/response"),
        Some(&json!({"text": "Thanks."})),
    );
    respond.refused(s, &[&who.client, &who.other_freelancer]);
    respond.allowed(s, &who.freelancer, 201);
    let reason = json!({"reason": "not_about_the_work", "details": "About my time zone."});
    let report = Call::new("POST", &format!("{k1}/report"), Some(&reason));
    report.refused(s, &[&who.client, &who.other_freelancer, &who.reviewer]);
    let filed = report.allowed(s, &who.freelancer, 201);
    let kept = json!({"outcome": "kept", "note": "It is about the work."});
    let decide = Call::new(
        "POST",
        &format!(
            "/feedback-reports/{}/decision",
            filed["report_id"].as_str().unwrap()
        ),
        Some(&kept),
    );
    decide.refused(s, &[&who.freelancer, &who.client, &who.service]);
    decide.allowed(s, &who.reviewer, 200);

    // Complaints: a client with a contract files; reviewers read the queue and decide.
    let complaint = json!({
        "category": "license", "claim": "Chartered Engineer", "statement": "Not on the register.",
        "evidence": ["https://register.example/search?q=fl-self"],
    });
    let file = Call::new("POST", "/freelancers/fl-self/complaints", Some(&complaint));
    // A client with no contract with the freelancer is not one the route names: 403, and with
    // a body that would not parse either (403 before 400).
    file.refused(
        s,
        &[
            &who.other_freelancer,
            &who.reviewer,
            &who.service,
            &who.non_party,
        ],
    );
    let garbled = Call::new(
        "POST",
        "/freelancers/fl-self/complaints",
        Some(&json!({"x": 1})),
    );
    garbled.refused(s, &[&who.non_party]);
    let filed = file.allowed(s, &who.client, 201);
    assert_eq!(
        filed["reporter"], who.client.id,
        "the reporter comes from the token"
    );
    let queue = Call::new("GET", "/complaints?status=open", None);
    queue.refused(s, &[&who.client, &who.freelancer, &who.service]);
    assert_eq!(
        queue.allowed(s, &who.reviewer, 200)["items"][0]["complaint_id"],
        filed["complaint_id"]
    );
    let verdict = json!({"outcome": "unsubstantiated", "terms_clause": "ToS 4.2"});
    let decide = Call::new(
        "POST",
        &format!(
            "/complaints/{}/decision",
            filed["complaint_id"].as_str().unwrap()
        ),
        Some(&verdict),
    );
    decide.refused(s, &[&who.client, &who.freelancer, &who.service]);
    let not_yet = decide.allowed(s, &who.reviewer, 422);
    assert_eq!(
        not_yet["error"]["code"], "not_under_review",
        "past the role check"
    );

    // Standing and eligibility: the freelancer themself, reviewers and the service.
    for route in ["standing", "eligibility"] {
        let read = Call::new("GET", &format!("/freelancers/fl-self/{route}"), None);
        read.refused(
            s,
            &[
                &who.other_freelancer,
                &who.client,
                &who.client_as_freelancer,
            ],
        );
        for caller in [&who.freelancer, &who.reviewer, &who.service] {
            read.allowed(s, caller, 200);
        }
    }
    // The profile: anyone signed in.
    let profile = Call::new("GET", "/freelancers/fl-self/profile", None);
    for caller in [
        &who.non_party,
        &who.other_freelancer,
        &who.freelancer,
        &who.reviewer,
        &who.service,
    ] {
        assert_eq!(profile.allowed(s, caller, 200)["freelancer_id"], "fl-self");
    }
    // The audit trail: reviewers only.
    let audit = Call::new("GET", "/freelancers/fl-self/audit", None);
    audit.refused(s, &[&who.freelancer, &who.client, &who.service]);
    audit.allowed(s, &who.reviewer, 200);

    // Appeals: the freelancer themself files; reviewers read the queue and decide.
    let appeal = json!({"sanction_id": "sn-none", "kind": "contest", "statement": "An error."});
    let file = Call::new("POST", "/freelancers/fl-self/appeals", Some(&appeal));
    file.refused(s, &[&who.other_freelancer, &who.reviewer, &who.client]);
    let missing = file.allowed(s, &who.freelancer, 404);
    assert_eq!(
        missing["error"]["code"], "not_found",
        "past the identity check"
    );
    let pending = Call::new("GET", "/appeals?status=pending", None);
    pending.refused(s, &[&who.freelancer, &who.service]);
    assert_eq!(
        pending.allowed(s, &who.reviewer, 200),
        json!({"items": [], "next_cursor": null})
    );
    let decide = Call::new(
        "POST",
        "/appeals/ap-none/decision",
        Some(&json!({"outcome": "granted"})),
    );
    decide.refused(s, &[&who.freelancer, &who.service]);
    decide.allowed(s, &who.reviewer, 404);
}
on_both_stores!(each_route_lets_in_exactly_the_callers_the_contract_names);
