//! Scenario 1: one freelancer's whole journey through the rule book, over HTTP — contracts,
//! feedback both ways and the double-blind reveal, the quality block and its reversal, a consented
//! change, reinstatement six months on, the complaints ladder, and the audit trail.

use chrono::{DateTime, Duration, Months, Utc};
use serde_json::{Value, json};

use crate::api::{
    client_feedback, feedback_of, freelancer_feedback, give_feedback, ids, mentions,
    negative_feedback, public, register, register_ended, standing, standing_becomes, time, version,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores};

/// Where the stack's clock starts.
const T0: &str = "2031-01-15T12:00:00Z";
/// Written in every private part: nothing the freelancer reads may ever contain it.
const PRIVATE: &str = "private-note-the-freelancer-never-sees";

/// Everyone in the story.
struct Journey {
    stack: Stack,
    t0: DateTime<Utc>,
    freelancer: Caller,
    /// `cl-1` … `cl-5`; `clients[n]` is the client of contract `k{n+1}`.
    clients: Vec<Caller>,
    reviewer: Caller,
}

fn a_freelancer_goes_through_the_whole_journey(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let t0 = stack.set_clock(T0);
    let j = Journey {
        stack,
        t0,
        freelancer: Caller::freelancer("fl-ada"),
        clients: (1..=5)
            .map(|n| Caller::client(&format!("cl-{n}")))
            .collect(),
        reviewer: Caller::reviewer("rv-grace"),
    };

    j.the_marketplace_registers_the_contracts();
    j.feedback_is_double_blind();
    let first_block = j.negatives_from_three_distinct_clients_block_new_work(None);
    j.a_blocked_freelancer_goes_on_with_existing_contracts(&first_block);
    j.public_feedback_changes_with_consent_and_private_feedback_never();
    j.a_removed_report_withdraws_the_evidence_and_reverses_the_block(&first_block);
    let second_block = j.negatives_from_three_distinct_clients_block_new_work(Some(&first_block));
    j.six_months_on_a_granted_reinstatement_lifts_the_block(&second_block);
    let ladder = j.substantiated_complaints_climb_the_ladder();
    j.the_audit_trail_tells_the_whole_story_in_order(&first_block, &second_block, &ladder);
}
on_both_stores!(a_freelancer_goes_through_the_whole_journey);

impl Journey {
    fn client(&self, n: usize) -> &Caller {
        &self.clients[n - 1]
    }

    fn path(&self, rest: &str) -> String {
        format!("/freelancers/{}/{rest}", self.freelancer.id)
    }

    /// What the freelancer reads of a contract's feedback; it never holds a private part.
    fn seen_by_the_freelancer(&self, contract: &str) -> Value {
        let reply = self
            .stack
            .get(&format!("/contracts/{contract}/feedback"), &self.freelancer);
        reply.expect(200);
        assert!(!mentions(&reply, PRIVATE), "{}", reply.body);
        for side in ["client", "freelancer"] {
            assert!(reply.body[side].get("private").is_none(), "{}", reply.body);
        }
        reply.body
    }

    fn profile(&self) -> Value {
        // Anyone signed in may read it; here a client with no contract at all.
        let reply = self
            .stack
            .get(&self.path("profile"), &Caller::client("cl-stranger"));
        reply.expect(200);
        assert!(!mentions(&reply, PRIVATE), "{}", reply.body);
        assert!(!mentions(&reply, "reason_ended"), "{}", reply.body);
        reply.body
    }

    fn profile_contracts(&self) -> Vec<String> {
        self.profile()["feedback"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["contract_id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn eligibility(&self) -> Value {
        self.stack
            .get(&self.path("eligibility"), &self.freelancer)
            .expect(200)
    }

    fn the_marketplace_registers_the_contracts(&self) {
        // Never evaluated yet: the read evaluates and stores it, so what it shows exists.
        let fresh = standing(&self.stack, &self.freelancer);
        assert_eq!(fresh["standing"], "good", "{fresh}");
        assert_eq!(fresh["version"], 1, "{fresh}");
        assert_eq!(fresh["sanctions"], json!([]));

        let ended = self.t0 - Duration::days(1);
        for (n, contract) in [(1, "k1"), (2, "k2"), (3, "k3")] {
            let registered = register_ended(
                &self.stack,
                contract,
                (self.client(n), &self.freelancer),
                ended,
            );
            assert_eq!(registered["contract_id"], contract);
            assert_eq!(time(&registered["ended_at"]), ended);
            assert_eq!(registered["total_charged_minor"], 120_000);
        }
        let running = register(
            &self.stack,
            "k4",
            (self.client(4), &self.freelancer),
            self.t0 - Duration::days(10),
            None,
        );
        assert_eq!(running["ended_at"], Value::Null);
    }

    fn feedback_is_double_blind(&self) {
        let stack = &self.stack;
        // k1: the client goes first.
        let comment = "Friendly, but out of their depth.";
        let given = give_feedback(
            stack,
            "k1",
            self.client(1),
            &client_feedback(public(3, comment), "lacked_skills", PRIVATE),
        );
        assert_eq!(given["direction"], "client");
        assert_eq!(given["revealed"], false);
        assert_eq!(given["version"], 1);
        assert_eq!(given["public"]["overall"], 3.0);
        assert_eq!(given["private"]["note"], PRIVATE, "the author sees it all");
        let seen = self.seen_by_the_freelancer("k1");
        assert_eq!(seen["client"], Value::Null, "before the reveal: {seen}");

        let own = give_feedback(stack, "k1", &self.freelancer, &freelancer_feedback(4));
        assert_eq!(own["direction"], "freelancer");
        assert_eq!(own["revealed"], true, "both have left feedback: {own}");
        let seen = self.seen_by_the_freelancer("k1");
        assert_eq!(seen["client"]["revealed"], true, "{seen}");
        assert_eq!(seen["client"]["public"]["comment"], comment);
        assert_eq!(seen["client"]["public"]["scores"]["skills"], 3);
        assert_eq!(seen["freelancer"]["feedback_id"], own["feedback_id"]);
        let by_client = feedback_of(stack, "k1", self.client(1));
        assert_eq!(by_client["client"]["private"]["note"], PRIVATE);
        assert_eq!(by_client["freelancer"]["revealed"], true);
        assert!(by_client["freelancer"].get("private").is_none());

        // k3: the freelancer goes first; the client sees nothing of it until it leaves its own.
        give_feedback(stack, "k3", &self.freelancer, &freelancer_feedback(2));
        let by_client = feedback_of(stack, "k3", self.client(3));
        assert_eq!(by_client["freelancer"], Value::Null, "{by_client}");
        assert_eq!(by_client["client"], Value::Null);

        // k2: only the client ever leaves feedback; it shows when the window closes (later on).
        give_feedback(
            stack,
            "k2",
            self.client(2),
            &client_feedback(
                public(2, "Hard to reach for days."),
                "unresponsive",
                PRIVATE,
            ),
        );
        let seen = self.seen_by_the_freelancer("k2");
        assert_eq!(seen["client"], Value::Null, "{seen}");
    }

    /// Negatives from three distinct clients block the freelancer from the moment the last of
    /// them is revealed (§3): first k2's, which only its client rated, when its window closes
    /// (the hourly schedule applies it, with no write); after a reversed block (`earlier`), a
    /// fifth client's on a new contract, once the freelancer has answered it.
    fn negatives_from_three_distinct_clients_block_new_work(
        &self,
        earlier: Option<&Value>,
    ) -> Value {
        let stack = &self.stack;
        let before = version(&standing(stack, &self.freelancer));
        let (given, evidence, revealed_at) = if earlier.is_none() {
            let given = give_feedback(stack, "k3", self.client(3), &negative_feedback(PRIVATE));
            // k3 is revealed (the freelancer left theirs first), k2 is not: two negatives count.
            assert_eq!(given["revealed"], true, "{given}");
            assert_eq!(self.seen_by_the_freelancer("k2")["client"], Value::Null);
            let not_yet = standing(stack, &self.freelancer);
            assert_eq!(
                not_yet["standing"], "good",
                "k2 does not count yet: {not_yet}"
            );
            // k2's window closes 14 days after the contract ended: it is revealed then.
            let closes = self.t0 - Duration::days(1) + Duration::days(14);
            let later = stack.advance_days(14);
            assert!(later > closes, "{later}");
            (given, ["k1", "k2", "k3"], closes)
        } else {
            register_ended(
                stack,
                "k5",
                (self.client(5), &self.freelancer),
                stack.now() - Duration::days(1),
            );
            let given = give_feedback(stack, "k5", self.client(5), &negative_feedback(PRIVATE));
            let own = give_feedback(stack, "k5", &self.freelancer, &freelancer_feedback(3));
            assert_eq!(own["revealed"], true);
            (given, ["k1", "k2", "k5"], time(&own["submitted_at"]))
        };
        let blocked = standing_becomes(stack, &self.freelancer, before, "blocked_new_work");
        let sanctions = blocked["sanctions"].as_array().unwrap();
        assert_eq!(sanctions.len(), 1, "{blocked}");
        let block = &sanctions[0];
        if let Some(earlier) = earlier {
            assert_ne!(block["sanction_id"], earlier["sanction_id"], "a new block");
        }
        assert_eq!(block["kind"], "blocked_new_work");
        assert_eq!(block["rule"], "quality.multiple_negative");
        assert_eq!(block["decided_by"], "automated");
        assert!(
            block["policy_version"]
                .as_str()
                .is_some_and(|v| !v.is_empty())
        );
        assert_eq!(ids(&block["evidence"]["contract_ids"]), evidence);
        assert_eq!(
            block["evidence"]["feedback_ids"].as_array().unwrap().len(),
            3
        );
        assert!(
            ids(&block["evidence"]["feedback_ids"])
                .contains(&given["feedback_id"].as_str().unwrap().to_owned())
        );
        assert_eq!(block["evidence"]["complaint_ids"], json!([]));
        let statement = block["statement"].as_str().unwrap();
        assert!(statement.contains("3 distinct clients"), "{statement}");
        // It began when the rule first held: when the last of the three was revealed.
        let started = time(&block["started_at"]);
        assert_eq!(started, revealed_at);
        assert_eq!(
            time(&block["appeal"]["reinstatement_opens_at"]),
            started.checked_add_months(Months::new(6)).unwrap()
        );
        assert!(time(&block["appeal"]["contest_until"]) > started);
        assert_eq!(blocked["freelancer_id"], self.freelancer.id);
        block.clone()
    }

    fn a_blocked_freelancer_goes_on_with_existing_contracts(&self, block: &Value) {
        let stack = &self.stack;
        let by = json!([block["sanction_id"]]);
        let eligibility = self.eligibility();
        assert_eq!(
            eligibility["submit_proposal"],
            json!({"allowed": false, "sanctions": by})
        );
        assert_eq!(
            eligibility["accept_new_contract"],
            json!({"allowed": false, "sanctions": by})
        );
        assert_eq!(
            eligibility["continue_existing_contract"],
            json!({"allowed": true, "sanctions": []})
        );

        // The running contract ends; both sides still give and get feedback on it.
        let ended = register(
            stack,
            "k4",
            (self.client(4), &self.freelancer),
            self.t0 - Duration::days(10),
            Some(stack.now()),
        );
        assert!(ended["ended_at"].is_string());
        give_feedback(
            stack,
            "k4",
            self.client(4),
            &client_feedback(
                public(5, "Excellent, as always."),
                "completed_successfully",
                PRIVATE,
            ),
        );
        let own = give_feedback(stack, "k4", &self.freelancer, &freelancer_feedback(5));
        assert_eq!(own["revealed"], true);
        let seen = self.seen_by_the_freelancer("k4");
        assert_eq!(seen["client"]["public"]["comment"], "Excellent, as always.");
    }

    fn public_feedback_changes_with_consent_and_private_feedback_never(&self) {
        let stack = &self.stack;
        let client = self.client(1);
        let asked = stack.send(
            "POST",
            "/contracts/k1/feedback/client/change-request",
            Some(&client.token),
            None,
        );
        assert!(
            asked.expect(201)["requested_at"].is_string(),
            "{}",
            asked.body
        );
        let consent = stack.post(
            "/contracts/k1/feedback/client/change-consent",
            &self.freelancer,
            &json!({"consent": true}),
        );
        assert_eq!(consent.expect(200)["consent"]["given"], true);

        let private = json!({"private": {"reason_ended": "completed_successfully"}});
        stack
            .patch("/contracts/k1/feedback/client", client, &private)
            .expect_error(422, "private_feedback_immutable");
        let comment = "Friendly, and fixed everything in the end.";
        let changed = stack.patch(
            "/contracts/k1/feedback/client",
            client,
            &json!({"public": public(4, comment)}),
        );
        let changed = changed.expect(200);
        assert_eq!(changed["version"], 2, "{changed}");
        assert_eq!(changed["public"]["comment"], comment);
        assert_eq!(
            changed["private"]["reason_ended"], "lacked_skills",
            "unchanged"
        );

        let seen = self.seen_by_the_freelancer("k1");
        assert_eq!(seen["client"]["version"], 2);
        assert_eq!(seen["client"]["public"]["comment"], comment);
        assert_eq!(seen["client"]["feedback_id"], changed["feedback_id"]);

        // The freelancer answers it publicly; the profile shows the newest version with it.
        let answer = "Thank you for the second chance.";
        let response = stack.put(
            "/contracts/k1/feedback/client/response",
            &self.freelancer,
            &json!({"text": answer}),
        );
        assert_eq!(response.expect(201)["text"], answer);
        let profile = self.profile();
        let k1 = profile["feedback"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["contract_id"] == "k1")
            .unwrap_or_else(|| panic!("k1 is not on the profile: {profile}"));
        assert_eq!(k1["public"]["comment"], comment);
        assert_eq!(k1["response"]["text"], answer);
        let mut shown = self.profile_contracts();
        shown.sort();
        assert_eq!(
            shown,
            ["k1", "k2", "k3", "k4"],
            "k2 was revealed when its window closed"
        );
    }

    fn a_removed_report_withdraws_the_evidence_and_reverses_the_block(&self, block: &Value) {
        let stack = &self.stack;
        let before = version(&standing(stack, &self.freelancer));
        let report = stack.post(
            "/contracts/k3/feedback/client/report",
            &self.freelancer,
            &json!({"reason": "irrelevant", "details": "This client reviewed someone else's work."}),
        );
        let report_id = report.expect(201)["report_id"].as_str().unwrap().to_owned();
        // The report waits in the reviewers' queue (and only reviewers see the queue).
        let waiting = stack.get("/feedback-reports", &self.reviewer).expect(200);
        assert_eq!(waiting["items"].as_array().unwrap().len(), 1, "{waiting}");
        let entry = &waiting["items"][0];
        assert_eq!(entry["report"]["report_id"], report_id.as_str());
        assert_eq!(entry["contract_id"], "k3");
        assert_eq!(entry["freelancer_id"], self.freelancer.id.as_str());
        assert_eq!(entry["direction"], "client");
        stack
            .get("/feedback-reports", &self.freelancer)
            .expect_error(403, "forbidden");
        let decided = stack.post(
            &format!("/feedback-reports/{report_id}/decision"),
            &self.reviewer,
            &json!({"outcome": "removed", "note": "The comment is about another project."}),
        );
        assert_eq!(decided.expect(200)["decision"]["outcome"], "removed");
        // Decided, it leaves the queue.
        let waiting = stack
            .get("/feedback-reports?status=pending", &self.reviewer)
            .expect(200);
        assert_eq!(waiting["items"], json!([]), "{waiting}");

        let good = standing_becomes(stack, &self.freelancer, before, "good");
        assert_eq!(good["sanctions"], json!([]), "{good}");
        let trail = self.audit_trail();
        let last = trail.last().unwrap();
        assert_eq!(last["action"], "lifted");
        assert_eq!(last["sanction_id"], block["sanction_id"]);
        assert_eq!(last["actor"], "automated");
        assert_eq!(
            (last["before"].clone(), last["after"].clone()),
            (json!("blocked_new_work"), json!("good"))
        );
        assert!(
            last["reason"]
                .as_str()
                .unwrap()
                .contains("removed or changed"),
            "{last}"
        );

        // Removed feedback leaves the profile; a reviewer still sees it, marked removed.
        assert!(!self.profile_contracts().contains(&"k3".to_owned()));
        let by_reviewer = feedback_of(stack, "k3", &self.reviewer);
        assert_eq!(by_reviewer["client"]["removed"], true, "{by_reviewer}");
        let eligibility = self.eligibility();
        assert_eq!(eligibility["submit_proposal"]["allowed"], true);
    }

    fn six_months_on_a_granted_reinstatement_lifts_the_block(&self, block: &Value) {
        let stack = &self.stack;
        let appeal = json!({
            "sanction_id": block["sanction_id"],
            "kind": "reinstatement",
            "statement": "I took a course and rebuilt my portfolio.",
        });
        let appeals = self.path("appeals");
        let early = stack.post(&appeals, &self.freelancer, &appeal);
        let details = early.expect_error(422, "appeal_not_yet_open");
        let opens_at = time(&details["opens_at"]);
        let promised = time(&block["appeal"]["reinstatement_opens_at"]);
        assert_eq!(
            opens_at, promised,
            "the refusal says {opens_at}, the sanction {promised}"
        );
        let later = stack.advance_days(190);
        assert!(later > promised, "{later}");
        // The window closed long ago: the client's public part shows, the private part never.
        let seen = self.seen_by_the_freelancer("k2");
        assert_eq!(seen["client"]["revealed"], true, "{seen}");
        assert_eq!(
            seen["client"]["public"]["comment"],
            "Hard to reach for days."
        );
        assert_eq!(seen["freelancer"], Value::Null);

        let filed = stack.post(&appeals, &self.freelancer, &appeal);
        let appeal_id = filed.expect(201)["appeal_id"].as_str().unwrap().to_owned();
        let pending = stack
            .get("/appeals?status=pending", &self.reviewer)
            .expect(200);
        let pending_ids: Vec<&str> = pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["appeal_id"].as_str())
            .collect();
        assert_eq!(pending_ids, [appeal_id.as_str()]);

        let before = version(&standing(stack, &self.freelancer));
        let decided = stack.post(
            &format!("/appeals/{appeal_id}/decision"),
            &self.reviewer,
            &json!({"outcome": "granted", "note": "The new portfolio shows the skills."}),
        );
        assert_eq!(decided.expect(200)["decision"]["outcome"], "granted");
        let good = standing_becomes(stack, &self.freelancer, before, "good");
        assert_eq!(good["sanctions"], json!([]));
        let eligibility = self.eligibility();
        for action in [
            "submit_proposal",
            "accept_new_contract",
            "continue_existing_contract",
        ] {
            assert_eq!(eligibility[action]["allowed"], true, "{eligibility}");
        }
        let pending = stack.get("/appeals?status=pending", &self.reviewer);
        assert_eq!(
            pending.expect(200),
            json!({"items": [], "next_cursor": null})
        );
    }

    fn complain(&self, n: usize, category: &str, claim: &str) -> Value {
        self.stack
            .post(
                &self.path("complaints"),
                self.client(n),
                &json!({
                    "category": category,
                    "claim": claim,
                    "statement": format!("The freelancer's {category} \"{claim}\" could not be verified."),
                    "evidence": ["https://registry.example/lookup?no-match", "The issuer has no record."],
                }),
            )
            .expect(201)
    }

    fn queue(&self, status: &str) -> Vec<String> {
        self.stack
            .get(&format!("/complaints?status={status}"), &self.reviewer)
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["complaint_id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Decides a complaint and waits for the standing it leads to.
    fn decide(&self, complaint: &Value, outcome: &str, leads_to: &str) -> Value {
        let before = version(&standing(&self.stack, &self.freelancer));
        let id = complaint["complaint_id"].as_str().unwrap();
        let decided = self.stack.post(
            &format!("/complaints/{id}/decision"),
            &self.reviewer,
            &json!({
                "outcome": outcome,
                "terms_clause": "Terms of Service 4.2: accurate profile information",
                "note": "Checked with the issuer.",
            }),
        );
        assert_eq!(decided.expect(200)["decision"]["outcome"], outcome);
        if outcome == "unsubstantiated" {
            return standing(&self.stack, &self.freelancer);
        }
        let after = standing_becomes(&self.stack, &self.freelancer, before, leads_to);
        let sanctions = after["sanctions"].as_array().unwrap();
        assert_eq!(sanctions.len(), 1, "{after}");
        let sanction = &sanctions[0];
        assert_eq!(sanction["kind"], leads_to);
        assert_eq!(sanction["rule"], "complaints.misrepresentation");
        assert_eq!(sanction["decided_by"], self.reviewer.id);
        assert_eq!(
            sanction["terms_clause"],
            "Terms of Service 4.2: accurate profile information"
        );
        assert!(
            sanction["appeal"].get("reinstatement_opens_at").is_none(),
            "{sanction}"
        );
        assert!(
            sanction["appeal"]["contest_until"].is_string(),
            "{sanction}"
        );
        assert!(!sanction["statement"].as_str().unwrap().is_empty());
        sanction.clone()
    }

    /// The three sanctions of the ladder, in order.
    fn substantiated_complaints_climb_the_ladder(&self) -> Vec<Value> {
        let first = self.complain(1, "certification", "AWS Certified Solutions Architect");
        assert_eq!(
            first["under_review_since"],
            Value::Null,
            "one reporter: no case yet"
        );
        assert_eq!(
            self.queue("open"),
            [first["complaint_id"].as_str().unwrap()]
        );
        assert_eq!(self.queue("under_review"), Vec::<String>::new());
        let second = self.complain(2, "degree", "MSc Computer Science");
        assert!(second["under_review_since"].is_string(), "{second}");
        assert_eq!(
            self.queue("under_review"),
            [
                first["complaint_id"].as_str().unwrap(),
                second["complaint_id"].as_str().unwrap()
            ],
            "a case opens with two distinct reporters, oldest first"
        );
        assert_eq!(self.queue("open"), Vec::<String>::new());

        let warned = self.decide(&first, "substantiated", "warned");
        assert_eq!(
            ids(&warned["evidence"]["complaint_ids"]),
            ids(&json!([first["complaint_id"]]))
        );
        let eligibility = self.eligibility();
        assert_eq!(
            eligibility["submit_proposal"]["allowed"], true,
            "a warning restricts nothing"
        );
        assert_eq!(self.profile()["disputed_credentials"], json!([]));

        let restricted = self.decide(&second, "substantiated", "restricted");
        assert_eq!(
            restricted["evidence"]["complaint_ids"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let eligibility = self.eligibility();
        assert_eq!(
            eligibility["submit_proposal"],
            json!({"allowed": false, "sanctions": [restricted["sanction_id"]]})
        );
        assert_eq!(eligibility["accept_new_contract"]["allowed"], true);
        assert_eq!(eligibility["continue_existing_contract"]["allowed"], true);
        let disputed = self.profile()["disputed_credentials"].clone();
        let mut claims: Vec<&str> = disputed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["claim"].as_str().unwrap())
            .collect();
        claims.sort_unstable();
        assert_eq!(
            claims,
            ["AWS Certified Solutions Architect", "MSc Computer Science"],
            "{disputed}"
        );

        // A third reporter, and a fourth whose complaint is found unsubstantiated.
        let third = self.complain(3, "badge", "Top Rated Plus");
        let fourth = self.complain(4, "license", "Chartered Engineer");
        assert_eq!(self.queue("under_review").len(), 2);
        let permanent = self.decide(&third, "substantiated", "permanently_blocked");
        let statement = permanent["statement"].as_str().unwrap();
        assert!(statement.contains("no reinstatement path"), "{statement}");
        self.decide(&fourth, "unsubstantiated", "permanently_blocked");
        assert_eq!(self.queue("decided").len(), 4);
        let eligibility = self.eligibility();
        assert_eq!(eligibility["submit_proposal"]["allowed"], false);
        assert_eq!(eligibility["accept_new_contract"]["allowed"], false);
        assert_eq!(eligibility["continue_existing_contract"]["allowed"], true);
        assert_eq!(
            self.profile()["disputed_credentials"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        let reinstatement = self.stack.post(
            &self.path("appeals"),
            &self.freelancer,
            &json!({"sanction_id": permanent["sanction_id"], "kind": "reinstatement", "statement": "Please."}),
        );
        reinstatement.expect_error(422, "appeal_not_available");
        let standing = standing(&self.stack, &self.freelancer);
        assert_eq!(standing["standing"], "permanently_blocked", "{standing}");
        vec![warned, restricted, permanent]
    }

    fn audit_trail(&self) -> Vec<Value> {
        self.stack
            .get(&self.path("audit"), &self.reviewer)
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn the_audit_trail_tells_the_whole_story_in_order(
        &self,
        first_block: &Value,
        second_block: &Value,
        ladder: &[Value],
    ) {
        self.stack
            .get(&self.path("audit"), &self.freelancer)
            .expect_error(403, "forbidden");
        self.stack
            .get(&self.path("audit"), &Caller::service())
            .expect_error(403, "forbidden");

        let trail = self.audit_trail();
        let id = |s: &Value| s["sanction_id"].as_str().unwrap().to_owned();
        let (b1, b2) = (id(first_block), id(second_block));
        let (warned, restricted, permanent) = (id(&ladder[0]), id(&ladder[1]), id(&ladder[2]));
        let rv = self.reviewer.id.as_str();
        let expected = [
            ("imposed", &b1, "good", "blocked_new_work", "automated"),
            ("lifted", &b1, "blocked_new_work", "good", "automated"),
            ("imposed", &b2, "good", "blocked_new_work", "automated"),
            ("lifted", &b2, "blocked_new_work", "good", rv),
            // Each entry is its own transition (issue 9, item 10): the next rung is imposed,
            // then the rung it supersedes is lifted, which leaves the standing where it is.
            ("imposed", &warned, "good", "warned", rv),
            ("imposed", &restricted, "warned", "restricted", rv),
            ("lifted", &warned, "restricted", "restricted", rv),
            (
                "imposed",
                &permanent,
                "restricted",
                "permanently_blocked",
                rv,
            ),
            (
                "lifted",
                &restricted,
                "permanently_blocked",
                "permanently_blocked",
                rv,
            ),
        ];
        let told: Vec<(String, String, String, String, String)> = trail
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (
                    s("action"),
                    s("sanction_id"),
                    s("before"),
                    s("after"),
                    s("actor"),
                )
            })
            .collect();
        let expected: Vec<(String, String, String, String, String)> = expected
            .iter()
            .map(|(a, s, b, f, by)| {
                (
                    (*a).into(),
                    (*s).clone(),
                    (*b).into(),
                    (*f).into(),
                    (*by).into(),
                )
            })
            .collect();
        assert_eq!(told, expected, "{}", json!(trail));
        let times: Vec<DateTime<Utc>> = trail.iter().map(|e| time(&e["at"])).collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "oldest first: {times:?}"
        );
        for entry in &trail {
            assert_eq!(entry["freelancer_id"], self.freelancer.id);
            assert!(
                entry["rule"].is_string() && entry["policy_version"].is_string(),
                "{entry}"
            );
            assert!(entry["evidence"].is_object(), "{entry}");
            assert!(!entry["reason"].as_str().unwrap().is_empty(), "{entry}");
        }
        assert_eq!(
            trail[3]["reason"]
                .as_str()
                .map(|r| r.contains("reinstatement")),
            Some(true),
            "{}",
            trail[3]
        );
    }
}
