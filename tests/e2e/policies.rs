//! The policy lab over HTTP (issue 12), on both stores: versions are published once and never
//! change, a shadow version reports whom it would judge differently without enforcing anything,
//! and a live switch re-evaluates every freelancer, a checkpointed page at a time, audited.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing, time,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores, poll};

/// How long a rollout or a shadow evaluation may take to show.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(60);

fn admin() -> Caller {
    Caller::new("pa-1", &["policy_admin"])
}

/// The candidate of every scenario: two distinct clients are enough for a quality block.
fn two_clients(version: &str) -> Value {
    json!({"version": version, "quality_min_distinct_clients": 2})
}

/// `fl` gets negative feedback from `clients` distinct clients, each revealed at once (the
/// freelancer answers too).
fn negatives(stack: &Stack, fl: &Caller, clients: usize) {
    for i in 0..clients {
        let client = Caller::client(&format!("{}-cl-{i}", fl.id));
        let contract = format!("{}-c-{i}", fl.id);
        register_ended(
            stack,
            &contract,
            (&client, fl),
            Utc::now() - Duration::days(2),
        );
        give_feedback(
            stack,
            &contract,
            &client,
            &negative_feedback("late and wrong"),
        );
        give_feedback(stack, &contract, fl, &freelancer_feedback(4));
    }
}

fn policies(stack: &Stack) -> Value {
    stack
        .get("/policies", &Caller::reviewer("rv-pol"))
        .expect(200)
}

fn version_named<'a>(list: &'a Value, version: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|v| v["version"] == version))
        .unwrap_or_else(|| panic!("{version} is not listed: {list}"))
}

// ---------------------------------------------------------------------------------------------

fn a_published_version_takes_the_rule_books_defaults_and_never_changes(store: Store) {
    let stack = Stack::start(&store, Clock::Wall);
    let first = policies(&stack);
    assert_eq!(first["live"], "rulebook-1", "{first}");
    assert_eq!(version_named(&first, "rulebook-1")["mode"], "live");

    let created = stack
        .put("/policies/pilot-2", &admin(), &two_clients("pilot-2"))
        .expect(201);
    assert_eq!(created["mode"], "off");
    assert_eq!(created["policy"]["quality_min_distinct_clients"], 2);
    assert_eq!(created["policy"]["quality_min_negative_percent"], 20);
    assert_eq!(created["published_by"], "pa-1");
    // The same numbers again are accepted (a retry), and the path alone may name the version.
    stack
        .put("/policies/pilot-2", &admin(), &two_clients("pilot-2"))
        .expect(200);
    stack
        .put(
            "/policies/pilot-2",
            &admin(),
            &json!({"quality_min_distinct_clients": 2}),
        )
        .expect(200);
    // Different numbers under a published version are refused: versions are immutable.
    stack
        .put(
            "/policies/pilot-2",
            &admin(),
            &json!({"version": "pilot-2", "quality_min_distinct_clients": 4}),
        )
        .expect_error(409, "conflict");
    let listed = version_named(&policies(&stack), "pilot-2").clone();
    assert_eq!(listed["policy"]["quality_min_distinct_clients"], 2);

    // Validation names the field.
    let bad = stack
        .put(
            "/policies/pilot-3",
            &admin(),
            &json!({"quality_min_negative_percent": 101}),
        )
        .expect_error(400, "invalid_field");
    assert_eq!(bad["field"], "quality_min_negative_percent");
    let unknown = stack
        .put(
            "/policies/pilot-3",
            &admin(),
            &json!({"quality_min_clients": 2}),
        )
        .expect_error(400, "invalid_field");
    assert!(
        unknown.to_string().contains("quality_min_clients"),
        "{unknown}"
    );
    let mismatch = stack
        .put("/policies/pilot-3", &admin(), &two_clients("pilot-4"))
        .expect_error(400, "invalid_field");
    assert_eq!(mismatch["field"], "version");
    stack
        .put("/policies/pilot%233", &admin(), &json!({}))
        .expect_error(400, "invalid_field");
    // Nothing of the refused bodies was stored.
    let after = policies(&stack);
    assert!(
        after["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["version"] != "pilot-3"),
        "{after}"
    );

    // Who may do what: only policy admins publish and activate; freelancers see nothing.
    stack
        .put(
            "/policies/pilot-5",
            &Caller::reviewer("rv-1"),
            &two_clients("pilot-5"),
        )
        .expect_error(403, "forbidden");
    stack
        .post(
            "/policies/pilot-2/activate",
            &Caller::service(),
            &json!({"mode": "live"}),
        )
        .expect_error(403, "forbidden");
    stack
        .get("/policies", &Caller::freelancer("fl-x"))
        .expect_error(403, "forbidden");
    stack.get("/policies", &Caller::service()).expect(200);
    stack
        .post(
            "/policies/nope-1/activate",
            &admin(),
            &json!({"mode": "shadow"}),
        )
        .expect_error(404, "not_found");
    stack
        .post(
            "/policies/pilot-2/activate",
            &admin(),
            &json!({"mode": "sideways"}),
        )
        .expect_error(400, "invalid_field");
    // The live version cannot be turned off or shadowed: another must be made live instead.
    stack
        .post(
            "/policies/rulebook-1/activate",
            &admin(),
            &json!({"mode": "off"}),
        )
        .expect_error(409, "conflict");
}
on_both_stores!(a_published_version_takes_the_rule_books_defaults_and_never_changes);

fn a_shadow_version_reports_whom_it_would_newly_block_and_enforces_nothing(store: Store) {
    let stack = Stack::start(&store, Clock::Wall);
    // The configured version's name is taken by the configured numbers, even before anything
    // asked for the policies: other numbers under it are refused.
    stack
        .put("/policies/rulebook-1", &admin(), &two_clients("rulebook-1"))
        .expect_error(409, "conflict");
    stack
        .put("/policies/pilot-2", &admin(), &two_clients("pilot-2"))
        .expect(201);
    let selected = stack
        .post(
            "/policies/pilot-2/activate",
            &admin(),
            &json!({"mode": "shadow"}),
        )
        .expect(200);
    assert_eq!(selected["shadow"], "pilot-2");
    assert_eq!(selected["live"], "rulebook-1");

    let fl = Caller::freelancer("fl-shadow");
    negatives(&stack, &fl, 2);
    let report_path = "/policies/pilot-2/shadow-report";
    let mut last = Value::Null;
    let reported = poll(SETTLE, || {
        last = stack.get(report_path, &admin()).expect(200);
        let found = last["newly_blocked"]
            .as_array()?
            .iter()
            .find(|e| e["freelancer_id"] == fl.id)
            .cloned();
        found.filter(|e| e["live"]["eligibility"]["submit_proposal"]["allowed"] == true)
    })
    .unwrap_or_else(|| {
        panic!(
            "the shadow never reported {}: {last}\n{}",
            fl.id,
            stack.stderr()
        )
    });
    assert_eq!(reported["kind"], "newly_blocked");
    assert_eq!(reported["live_standing"], "good");
    assert_eq!(reported["shadow_standing"], "blocked_new_work");
    assert_eq!(reported["shadow"]["policy_version"], "pilot-2");
    assert_eq!(
        reported["shadow"]["sanctions"][0]["policy_version"],
        "pilot-2"
    );
    assert!(
        reported["statement"]
            .as_str()
            .unwrap()
            .contains("policy pilot-2"),
        "{reported}"
    );
    assert!(
        last["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["freelancer_id"] == fl.id)
    );
    assert!(last["next_cursor"].is_null());

    // Live is untouched: good standing, no sanction, nothing in the audit trail, no notice.
    let live = standing(&stack, &fl);
    assert_eq!(live["standing"], "good", "{live}");
    assert_eq!(live["sanctions"], json!([]));
    let audit = stack
        .get(
            &format!("/freelancers/{}/audit", fl.id),
            &Caller::reviewer("rv-1"),
        )
        .expect(200);
    assert_eq!(audit["items"], json!([]), "{audit}");

    // Reports are for reviewers and policy admins; an unknown version is 404.
    stack
        .get(report_path, &Caller::reviewer("rv-1"))
        .expect(200);
    stack
        .get(report_path, &Caller::service())
        .expect_error(403, "forbidden");
    stack.get(report_path, &fl).expect_error(403, "forbidden");
    stack
        .get("/policies/nope-1/shadow-report", &admin())
        .expect_error(404, "not_found");
    stack
        .get(&format!("{report_path}?cursor=zzz"), &admin())
        .expect_error(400, "invalid_field");
}
on_both_stores!(a_shadow_version_reports_whom_it_would_newly_block_and_enforces_nothing);

fn a_live_switch_reevaluates_every_freelancer_a_page_at_a_time_and_audits_it(store: Store) {
    // Two standings a page: five freelancers take three pages, each checkpointed.
    let stack = Stack::start_with(&store, Clock::Wall, &["--rollout-page", "2"]);
    let judged: Vec<Caller> = (0..3)
        .map(|i| Caller::freelancer(&format!("fl-switch-{i}")))
        .collect();
    let untouched: Vec<Caller> = (0..2)
        .map(|i| Caller::freelancer(&format!("fl-fine-{i}")))
        .collect();
    for fl in &judged {
        negatives(&stack, fl, 2);
    }
    for fl in &untouched {
        negatives(&stack, fl, 1);
    }
    // Every one of them is evaluated under the live rule book first: good (it needs 3 clients).
    for fl in judged.iter().chain(&untouched) {
        let settled = poll(SETTLE, || {
            let s = standing(&stack, fl);
            (s["standing"] == "good").then_some(s)
        });
        assert!(settled.is_some(), "{} never settled as good", fl.id);
    }

    stack
        .put("/policies/pilot-2", &admin(), &two_clients("pilot-2"))
        .expect(201);
    let switched = stack
        .post(
            "/policies/pilot-2/activate",
            &admin(),
            &json!({"mode": "live"}),
        )
        .expect(200);
    assert_eq!(switched["live"], "pilot-2");
    let live_since: DateTime<Utc> = time(&switched["live_since"]);
    assert_eq!(switched["rollout"]["version"], "pilot-2");
    // Activating what already holds changes nothing.
    let again = stack
        .post(
            "/policies/pilot-2/activate",
            &admin(),
            &json!({"mode": "live"}),
        )
        .expect(200);
    assert_eq!(time(&again["live_since"]), live_since);

    let mut last = Value::Null;
    let done = poll(SETTLE, || {
        last = policies(&stack);
        (last["rollout"]["done"] == true).then(|| last.clone())
    })
    .unwrap_or_else(|| panic!("the rollout never finished: {last}\n{}", stack.stderr()));
    assert_eq!(done["rollout"]["reevaluated"], 5, "{done}");
    assert_eq!(done["rollout"]["failed"], 0, "{done}");
    assert_eq!(version_named(&done, "pilot-2")["mode"], "live");
    assert_eq!(version_named(&done, "rulebook-1")["mode"], "off");
    let change = done["changes"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["version"] == "pilot-2" && c["mode"] == "live")
        })
        .unwrap_or_else(|| panic!("the switch is not audited: {done}"));
    assert_eq!(change["previous"], "rulebook-1");
    assert_eq!(change["actor"], "pa-1");

    for fl in &judged {
        let now = standing(&stack, fl);
        assert_eq!(now["standing"], "blocked_new_work", "{}: {now}", fl.id);
        let block = &now["sanctions"][0];
        assert_eq!(block["policy_version"], "pilot-2");
        // Never backdated: the block begins when the version went live, not when the evidence
        // first met its numbers.
        assert!(time(&block["started_at"]) >= live_since, "{block}");
        let audit = stack
            .get(
                &format!("/freelancers/{}/audit", fl.id),
                &Caller::reviewer("rv-1"),
            )
            .expect(200);
        let imposed = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "imposed")
            .unwrap_or_else(|| panic!("no audit of the block: {audit}"));
        assert_eq!(imposed["policy_version"], "pilot-2");
    }
    for fl in &untouched {
        assert_eq!(standing(&stack, fl)["standing"], "good", "{}", fl.id);
    }
}
on_both_stores!(a_live_switch_reevaluates_every_freelancer_a_page_at_a_time_and_audits_it);
