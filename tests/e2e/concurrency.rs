//! Fifty writers at once on one freelancer, over HTTP: each registers a contract, both parties
//! leave feedback, and on top of that reports and their decisions, consented changes, complaints
//! and their decisions, responses sent while a change is asked for, and appeals, all
//! interleaved. Each writer sends a write again on 409 `conflict` or 503, as a client would, and
//! records what was acknowledged. Afterwards every acknowledged write is there exactly once, and
//! the standing the stack settles on is what a fresh evaluation of the evidence gives, and what
//! the rule book predicts for it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};

use crate::api::{EVALUATION, client_feedback, freelancer_feedback, ids, public, standing};
use crate::support::{
    Caller, Clock, Reply, Stack, Store, evaluate_afresh, on_both_stores, poll, send,
};

const WRITERS: usize = 50;
/// The freelancer's own reads of their standing meanwhile.
const READERS: usize = 5;
const FREELANCER: &str = "fl-many";
/// How often one write is sent before the writer gives up on it.
const ATTEMPTS: u64 = 30;

/// What a writer does beyond its contract and both parties' feedback on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The freelancer reports the client's (negative) feedback; a reviewer removes or keeps it.
    Report {
        removed: bool,
    },
    /// The client's positive is changed, with the freelancer's consent, to a lesser positive.
    /// (Not a negative to a positive: a block that replaces one whose evidence was changed can
    /// rest on feedback that is positive now, bug "a replacement block reads changed feedback as
    /// it was known then", reported, not fixed here.)
    Change,
    /// The client complains about a credential; a reviewer decides once a case is open.
    Complaint {
        substantiated: bool,
    },
    /// The freelancer responds while, at the same moment, the client asks for a change.
    RespondWhileAsked,
    /// The freelancer contests the complaints' sanction once it shows; a reviewer denies it.
    ContestRestriction,
    /// The freelancer contests the quality block once it shows; it stays pending.
    ContestBlock,
    Nothing,
}

fn part(writer: usize) -> Part {
    match writer {
        0 | 1 => Part::Report { removed: true },
        2..=4 => Part::Report { removed: false },
        40..=44 => Part::Change,
        20 | 21 => Part::Complaint {
            substantiated: true,
        },
        22 | 23 => Part::Complaint {
            substantiated: false,
        },
        25..=34 => Part::RespondWhileAsked,
        48 => Part::ContestRestriction,
        49 => Part::ContestBlock,
        _ => Part::Nothing,
    }
}

/// Writers 0–19 leave a negative first; the others a positive.
fn negative_first(writer: usize) -> bool {
    writer < 20
}

/// Counts over all writers.
#[derive(Default)]
struct Tally {
    /// Writes a writer set out to make (each counted once, however often it was sent).
    writes: AtomicU64,
    /// Requests sent for them.
    requests: AtomicU64,
    /// Writes answered with a 2xx.
    acknowledged: AtomicU64,
    /// Sends repeated after a 409 `conflict` or a 503.
    retried: AtomicU64,
    conflicts: AtomicU64,
    unavailable: AtomicU64,
    /// Sends repeated because another writer had not yet made them possible (422).
    waited: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn count(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// How a writer talks to the stack.
#[derive(Clone, Copy)]
struct Wire<'a> {
    addr: SocketAddr,
    tally: &'a Tally,
}

impl Wire<'_> {
    /// One send of a write, repeated on 409 `conflict` and on 503 (after its `Retry-After`, at
    /// most a second), as a client does; the first other answer.
    fn attempt(&self, method: &str, path: &str, who: &Caller, body: Option<&str>) -> Reply {
        for attempt in 1..=ATTEMPTS {
            let reply = send(self.addr, method, path, Some(&who.token), body)
                .unwrap_or_else(|e| panic!("{method} {path} by {}: {e}", who.id));
            bump(&self.tally.requests);
            let pause = match reply.status {
                409 if reply.body["error"]["code"] == "conflict" => {
                    bump(&self.tally.conflicts);
                    Duration::from_millis(5 * attempt)
                }
                503 => {
                    bump(&self.tally.unavailable);
                    let after = reply.headers.get("retry-after");
                    let seconds = after.and_then(|s| s.parse().ok()).unwrap_or(1);
                    Duration::from_secs(seconds).min(Duration::from_secs(1))
                }
                _ => {
                    if (200..300).contains(&reply.status) {
                        bump(&self.tally.acknowledged);
                    }
                    return reply;
                }
            };
            bump(&self.tally.retried);
            thread::sleep(pause);
        }
        panic!(
            "{method} {path} by {}: still refused after {ATTEMPTS} sends",
            who.id
        );
    }

    /// One write, which must end in `status`; its body.
    #[track_caller]
    fn write(
        &self,
        method: &str,
        path: &str,
        who: &Caller,
        body: Option<&Value>,
        status: u16,
    ) -> Value {
        bump(&self.tally.writes);
        let body = body.map(Value::to_string);
        self.attempt(method, path, who, body.as_deref())
            .expect(status)
    }

    /// One write that another writer makes possible: sent again while it is refused with 422
    /// `code`, for as long as an evaluation may take; then it must end in `status`.
    #[track_caller]
    fn write_once_possible(
        &self,
        (method, path, who, body): (&str, &str, &Caller, &Value),
        code: &str,
        status: u16,
    ) -> Value {
        bump(&self.tally.writes);
        let body = body.to_string();
        let mut last = None;
        let answered = poll(EVALUATION, || {
            let reply = self.attempt(method, path, who, Some(&body));
            if reply.status == 422 && reply.body["error"]["code"] == code {
                bump(&self.tally.waited);
                last = Some(reply);
                return None;
            }
            Some(reply)
        });
        answered
            .unwrap_or_else(|| {
                panic!(
                    "{method} {path} by {} was still refused after {EVALUATION:?}: {:?}",
                    who.id,
                    last.map(|r| r.body)
                )
            })
            .expect(status)
    }
}

/// What one writer had acknowledged.
#[derive(Debug, Default)]
struct Written {
    contract: String,
    client_feedback: String,
    freelancer_feedback: String,
    /// The newest public comment of the client's feedback.
    comment: String,
    negative: bool,
    changed: bool,
    change_requested: bool,
    response: Option<String>,
    /// The report's id, and whether the feedback was removed.
    report: Option<(String, bool)>,
    /// The complaint's id, and whether it was substantiated.
    complaint: Option<(String, bool)>,
    /// The appeal's id, and whether it was decided.
    appeal: Option<(String, bool)>,
}

fn id_of(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

/// The first sanction of `kind` the freelancer's standing shows, once the stream has stored it.
fn sanction_shown(addr: SocketAddr, fl: &Caller, kind: &str) -> Value {
    let path = format!("/freelancers/{}/standing", fl.id);
    poll(EVALUATION, || {
        let shown = send(addr, "GET", &path, Some(&fl.token), None).unwrap();
        let sanctions = shown.expect(200)["sanctions"].as_array().cloned()?;
        sanctions.into_iter().find(|s| s["kind"] == kind)
    })
    .unwrap_or_else(|| panic!("no {kind} sanction shown within {EVALUATION:?}"))
}

/// Writer `n`: its contract with `fl`, both parties' feedback, then its part.
/// What the writers wait for together.
struct Turns {
    /// Everyone starts at once.
    start: Barrier,
    /// No complaint is decided before every complainant has filed: a complaint filed after
    /// the others were decided is alone, and rightly waits for another reporter (§7).
    filed: Barrier,
}

fn complainants() -> usize {
    (0..WRITERS)
        .filter(|n| matches!(part(*n), Part::Complaint { .. }))
        .count()
}

fn writer(n: usize, wire: Wire<'_>, turns: &Turns) -> Written {
    let fl = Caller::freelancer(FREELANCER);
    let client = Caller::client(&format!("cl-many-{n}"));
    let reviewer = Caller::reviewer(&format!("rv-many-{n}"));
    let service = Caller::service();
    let contract = format!("many-{n}");
    let k = format!("/contracts/{contract}");
    let ended = Utc::now() - chrono::Duration::days(1);
    let registration = json!({
        "client_id": client.id, "freelancer_id": fl.id,
        "started_at": ended - chrono::Duration::days(30), "ended_at": ended,
        "total_charged_minor": 120_000, "currency": "USD",
    });
    let negative = negative_first(n);
    let comment = if negative {
        format!("{contract}: most of the work had to be redone.")
    } else {
        format!("{contract}: excellent work, on time.")
    };
    let feedback = if negative {
        client_feedback(public(1, &comment), "other", "n")
    } else {
        client_feedback(public(5, &comment), "completed_successfully", "fine")
    };
    turns.start.wait();

    wire.write("PUT", &k, &service, Some(&registration), 200);
    let given = wire.write(
        "POST",
        &format!("{k}/feedback"),
        &client,
        Some(&feedback),
        201,
    );
    let own = wire.write(
        "POST",
        &format!("{k}/feedback"),
        &fl,
        Some(&freelancer_feedback(4)),
        201,
    );
    let mut written = Written {
        client_feedback: id_of(&given, "feedback_id"),
        freelancer_feedback: id_of(&own, "feedback_id"),
        contract,
        comment,
        negative,
        ..Written::default()
    };
    let mine = format!("{k}/feedback/client");
    match part(n) {
        Part::Report { removed } => {
            let body = json!({"reason": "not_about_the_work", "details": "About another job."});
            let report = wire.write("POST", &format!("{mine}/report"), &fl, Some(&body), 201);
            let report_id = id_of(&report, "report_id");
            let outcome = if removed { "removed" } else { "kept" };
            let decision = json!({"outcome": outcome, "note": "Decided on the contract's record."});
            let path = format!("/feedback-reports/{report_id}/decision");
            wire.write("POST", &path, &reviewer, Some(&decision), 200);
            written.report = Some((report_id, removed));
        }
        Part::Change => {
            wire.write(
                "POST",
                &format!("{mine}/change-request"),
                &client,
                None,
                201,
            );
            let consent = json!({"consent": true});
            wire.write(
                "POST",
                &format!("{mine}/change-consent"),
                &fl,
                Some(&consent),
                200,
            );
            let comment = format!("{}: good, with a few rough edges.", written.contract);
            let change = json!({"public": public(4, &comment)});
            wire.write("PATCH", &mine, &client, Some(&change), 200);
            written.comment = comment;
            written.changed = true;
        }
        Part::Complaint { substantiated } => {
            let body = json!({
                "category": "certification", "claim": "AWS Certified Solutions Architect",
                "statement": "The issuer's register has no such certificate.",
                "evidence": ["https://registry.example/verify?id=none"],
            });
            // Filed at once by every complainant, amid every other kind of write: each filing
            // holds only if no other came in since it read the freelancer's complaints, so
            // the review case opens whichever commits first.
            let filed = wire.write(
                "POST",
                &format!("/freelancers/{}/complaints", fl.id),
                &client,
                Some(&body),
                201,
            );
            let complaint_id = id_of(&filed, "complaint_id");
            turns.filed.wait();
            let outcome = if substantiated {
                "substantiated"
            } else {
                "unsubstantiated"
            };
            let decision =
                json!({"outcome": outcome, "terms_clause": "ToS 4.2", "note": "Checked."});
            let path = format!("/complaints/{complaint_id}/decision");
            // The case is open (every complaint is in review) once the second reporter filed.
            wire.write_once_possible(
                ("POST", &path, &reviewer, &decision),
                "not_under_review",
                200,
            );
            written.complaint = Some((complaint_id, substantiated));
        }
        Part::RespondWhileAsked => {
            let text = format!("{}: thank you, it was a pleasure.", written.contract);
            let body = json!({ "text": text });
            thread::scope(|s| {
                let responding = s.spawn(|| {
                    wire.write("PUT", &format!("{mine}/response"), &fl, Some(&body), 201)
                });
                wire.write(
                    "POST",
                    &format!("{mine}/change-request"),
                    &client,
                    None,
                    201,
                );
                responding.join().unwrap();
            });
            written.response = Some(text);
            written.change_requested = true;
        }
        Part::ContestRestriction | Part::ContestBlock => {
            let (kind, decided) = match part(n) {
                Part::ContestRestriction => ("restricted", true),
                _ => ("blocked_new_work", false),
            };
            let path = format!("/freelancers/{}/appeals", fl.id);
            bump(&wire.tally.writes);
            // A block can be replaced between the read and the appeal: then the appeal names a
            // sanction no longer stored (404), and the writer reads again.
            let filed = poll(EVALUATION, || {
                let sanction = sanction_shown(wire.addr, &fl, kind);
                let body = json!({
                    "sanction_id": sanction["sanction_id"], "kind": "contest",
                    "statement": "This was decided in error.",
                })
                .to_string();
                let reply = wire.attempt("POST", &path, &fl, Some(&body));
                if reply.status == 404 {
                    bump(&wire.tally.waited);
                    return None;
                }
                Some(reply.expect(201))
            })
            .unwrap_or_else(|| panic!("no {kind} sanction could be contested"));
            let appeal_id = id_of(&filed, "appeal_id");
            if decided {
                let denial = json!({"outcome": "denied", "note": "Upheld on the record."});
                let path = format!("/appeals/{appeal_id}/decision");
                wire.write("POST", &path, &reviewer, Some(&denial), 200);
            }
            written.appeal = Some((appeal_id, decided));
        }
        Part::Nothing => {}
    }
    written
}

/// What one reader was answered while the writers wrote.
struct Reads {
    answered: usize,
    /// Each answer other than 200.
    refused: Vec<String>,
}

/// The freelancer's dashboard: reads their standing and eligibility, one after the other, for
/// as long as the writers write.
fn reader(n: usize, addr: SocketAddr, start: &Barrier, writing: &AtomicBool) -> Reads {
    let fl = Caller::freelancer(FREELANCER);
    let mut reads = Reads {
        answered: 0,
        refused: Vec::new(),
    };
    start.wait();
    let routes = ["standing", "eligibility"];
    while writing.load(Ordering::Relaxed) {
        let path = format!(
            "/freelancers/{}/{}",
            fl.id,
            routes[(n + reads.answered) % 2]
        );
        let reply = send(addr, "GET", &path, Some(&fl.token), None).unwrap();
        reads.answered += 1;
        if reply.status != 200 {
            reads
                .refused
                .push(format!("{path}: {} {}", reply.status, reply.body));
        }
    }
    reads
}

/// Every item of a list, following `next_cursor` from `first` (a path with a query).
fn every_item(stack: &Stack, first: &str, who: &Caller) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_owned();
    loop {
        let page = stack.get(&path, who).expect(200);
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return items,
        }
    }
}

/// How often each value occurs.
fn occurrences<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts
}

/// Every acknowledged write is there, once, as the reviewer and the public read it.
fn every_acknowledged_write_is_there_once(stack: &Stack, written: &[Written]) {
    let reader = Caller::reviewer("rv-many-reader");
    for w in written {
        let seen = stack
            .get(&format!("/contracts/{}/feedback", w.contract), &reader)
            .expect(200);
        let (client, own) = (&seen["client"], &seen["freelancer"]);
        assert_eq!(client["feedback_id"], w.client_feedback, "{seen}");
        assert_eq!(own["feedback_id"], w.freelancer_feedback, "{seen}");
        assert_eq!(client["public"]["comment"], w.comment, "{seen}");
        assert_eq!(client["version"], if w.changed { 2 } else { 1 }, "{seen}");
        assert_eq!(
            client["response"]["text"].as_str(),
            w.response.as_deref(),
            "{seen}"
        );
        let removed = w.report.as_ref().is_some_and(|r| r.1);
        assert_eq!(client["removed"], removed, "{seen}");
        assert_eq!(
            client["report_id"].as_str(),
            w.report.as_ref().map(|r| r.0.as_str()),
            "{seen}"
        );
    }

    // The public profile: each revealed, not removed feedback once, in its newest version.
    let profile = stack
        .get(
            &format!("/freelancers/{FREELANCER}/profile?limit=200"),
            &Caller::client("cl-anyone"),
        )
        .expect(200);
    assert_eq!(profile["next_cursor"], Value::Null, "{profile}");
    let entries = profile["feedback"].as_array().unwrap();
    let shown = occurrences(entries.iter().map(|e| e["contract_id"].as_str().unwrap()));
    for w in written {
        let removed = w.report.as_ref().is_some_and(|r| r.1);
        let want = usize::from(!removed);
        assert_eq!(
            shown.get(w.contract.as_str()).copied().unwrap_or(0),
            want,
            "{} on the profile: {profile}",
            w.contract
        );
        if let Some(entry) = entries.iter().find(|e| e["contract_id"] == w.contract) {
            assert_eq!(entry["public"]["comment"], w.comment, "{entry}");
            assert_eq!(
                entry["response"]["text"].as_str(),
                w.response.as_deref(),
                "{entry}"
            );
        }
    }
    assert_eq!(
        entries.len(),
        shown.len(),
        "an entry shown twice: {profile}"
    );

    // The complaints: each once, decided as the reviewer decided it; none left in the queue.
    let mut complaints = Vec::new();
    for status in ["open", "under_review", "decided"] {
        let listed = every_item(
            stack,
            &format!("/complaints?status={status}&limit=7"),
            &reader,
        );
        let ours: Vec<Value> = listed
            .into_iter()
            .filter(|c| c["freelancer_id"] == FREELANCER)
            .collect();
        if status != "decided" {
            assert_eq!(ours, Vec::<Value>::new(), "left {status}");
        }
        complaints.extend(ours);
    }
    let filed = occurrences(
        complaints
            .iter()
            .map(|c| c["complaint_id"].as_str().unwrap()),
    );
    let acknowledged: Vec<&(String, bool)> = written
        .iter()
        .filter_map(|w| w.complaint.as_ref())
        .collect();
    assert_eq!(filed.len(), acknowledged.len(), "{complaints:#?}");
    for (id, substantiated) in acknowledged {
        assert_eq!(filed.get(id.as_str()), Some(&1), "{id}: {complaints:#?}");
        let complaint = complaints
            .iter()
            .find(|c| c["complaint_id"] == *id)
            .unwrap();
        let outcome = if *substantiated {
            "substantiated"
        } else {
            "unsubstantiated"
        };
        assert_eq!(complaint["decision"]["outcome"], outcome, "{complaint}");
    }

    // The appeals: the undecided one pending once, the decided one no longer.
    let pending = every_item(stack, "/appeals?status=pending&limit=7", &reader);
    let pending = occurrences(
        pending
            .iter()
            .filter(|a| a["freelancer_id"] == FREELANCER)
            .map(|a| a["appeal_id"].as_str().unwrap()),
    );
    for (id, decided) in written.iter().filter_map(|w| w.appeal.as_ref()) {
        let want = usize::from(!decided);
        assert_eq!(
            pending.get(id.as_str()).copied().unwrap_or(0),
            want,
            "{id}: {pending:?}"
        );
    }
    assert_eq!(pending.len(), 1, "{pending:?}");

    // The audit trail: no sanction imposed or lifted twice.
    let audit = every_item(
        stack,
        &format!("/freelancers/{FREELANCER}/audit?limit=7"),
        &reader,
    );
    let keys: Vec<String> = audit
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["sanction_id"].as_str().unwrap()
            )
        })
        .collect();
    let twice: Vec<(&str, usize)> = occurrences(keys.iter().map(String::as_str))
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert_eq!(twice, Vec::<(&str, usize)>::new(), "{audit:#?}");
}

/// What the rule book predicts from the evidence written: the quality block (§4: 18 clients'
/// negatives stand, out of 48 client-rated contracts once two are removed, 37%) and the
/// restriction (§7: two reporters' complaints substantiated), so blocked from new work (§10: the
/// worst standing); no proposals, no new contracts, existing ones go on; the JSS over 48
/// contracts each weighing 1.5 (§9: removed feedback leaves it), 30 positive (changed ones
/// count as their newest version, overall 4.0) and 18 negative, (30 − 18) / 48 = 25%; both
/// substantiated claims flagged.
fn as_the_rule_book_predicts(decided: &Value, written: &[Written]) {
    assert_eq!(decided["standing"], "blocked_new_work", "{decided}");
    assert_eq!(decided["jss"], 25, "{decided}");
    let sanctions = decided["sanctions"].as_array().unwrap();
    let mut kinds: Vec<&str> = sanctions
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["blocked_new_work", "restricted"], "{decided}");
    let block = sanctions
        .iter()
        .find(|s| s["kind"] == "blocked_new_work")
        .unwrap();
    assert_eq!(block["rule"], "quality.multiple_negative", "{block}");
    let negatives: Vec<&str> = written
        .iter()
        .filter(|w| w.negative && !w.report.as_ref().is_some_and(|r| r.1))
        .map(|w| w.client_feedback.as_str())
        .collect();
    assert_eq!(negatives.len(), 18);
    let rests_on = ids(&block["evidence"]["feedback_ids"]);
    assert!(rests_on.len() >= 3, "{block}");
    for id in &rests_on {
        assert!(
            negatives.contains(&id.as_str()),
            "the block rests on {id}, not a standing negative: {block}"
        );
    }
    let mut substantiated: Vec<String> = written
        .iter()
        .filter_map(|w| w.complaint.as_ref())
        .filter(|c| c.1)
        .map(|c| c.0.clone())
        .collect();
    substantiated.sort();
    let restriction = sanctions
        .iter()
        .find(|s| s["kind"] == "restricted")
        .unwrap();
    assert_eq!(
        ids(&restriction["evidence"]["complaint_ids"]),
        substantiated,
        "{restriction}"
    );
    let flagged: Vec<String> = decided["disputed_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["complaint_id"].as_str().unwrap().to_owned())
        .collect();
    let mut flagged = flagged;
    flagged.sort();
    assert_eq!(flagged, substantiated, "{decided}");
    let eligibility = &decided["eligibility"];
    assert_eq!(
        eligibility["submit_proposal"]["allowed"], false,
        "{eligibility}"
    );
    assert_eq!(
        eligibility["accept_new_contract"]["allowed"], false,
        "{eligibility}"
    );
    assert_eq!(
        eligibility["continue_existing_contract"]["allowed"], true,
        "{eligibility}"
    );
}

/// The kinds, rules and start of each sanction: what an evaluation with no history must agree on.
fn sanctions_in_short(decided: &Value) -> Vec<String> {
    let mut short: Vec<String> = decided["sanctions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {}",
                s["kind"], s["rule"], s["sanction_id"], s["started_at"]
            )
        })
        .collect();
    short.sort();
    short
}

fn fifty_concurrent_writers_on_one_freelancer_lose_nothing_apply_nothing_twice_and_settle_on_a_fresh_evaluation(
    store: Store,
) {
    let started = Instant::now();
    let stack = Stack::start(&store, Clock::Wall);
    let tally = Tally::default();
    let wire = Wire {
        addr: stack.addr(),
        tally: &tally,
    };
    let turns = Turns {
        start: Barrier::new(WRITERS + READERS),
        filed: Barrier::new(complainants()),
    };
    let writing = AtomicBool::new(true);
    let (written, reads): (Vec<Written>, Vec<Reads>) = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|n| {
                let turns = &turns;
                s.spawn(move || writer(n, wire, turns))
            })
            .collect();
        let readers: Vec<_> = (0..READERS)
            .map(|n| {
                let (start, writing) = (&turns.start, &writing);
                s.spawn(move || reader(n, wire.addr, start, writing))
            })
            .collect();
        let written = writers.into_iter().map(|w| w.join().unwrap()).collect();
        writing.store(false, Ordering::Relaxed);
        (
            written,
            readers.into_iter().map(|r| r.join().unwrap()).collect(),
        )
    });
    let wrote = started.elapsed();
    println!(
        "{WRITERS} writers: {} writes attempted in {} requests, {} acknowledged, {} sends retried \
         ({} on 409 conflict, {} on 503), {} sent again while waiting for another writer (422), in {wrote:?}",
        count(&tally.writes),
        count(&tally.requests),
        count(&tally.acknowledged),
        count(&tally.retried),
        count(&tally.conflicts),
        count(&tally.unavailable),
        count(&tally.waited),
    );
    let refused: Vec<&String> = reads.iter().flat_map(|r| &r.refused).collect();
    println!(
        "{READERS} readers meanwhile: {} reads of standing and eligibility, {} not answered 200",
        reads.iter().map(|r| r.answered).sum::<usize>(),
        refused.len()
    );
    // Reading never fails for the writes going on (a read is no write to retry).
    assert_eq!(refused, Vec::<&String>::new());
    // Each writer's writes all came back 2xx in the end (a refusal fails the writer).
    assert_eq!(count(&tally.acknowledged), count(&tally.writes));

    every_acknowledged_write_is_there_once(&stack, &written);

    // The stack settles on what the rule book predicts…
    let fl = Caller::freelancer(FREELANCER);
    let settled = poll(EVALUATION, || {
        let shown = standing(&stack, &fl);
        let kinds: Vec<&str> = shown["sanctions"]
            .as_array()?
            .iter()
            .filter_map(|s| s["kind"].as_str())
            .collect();
        (kinds.len() == 2 && kinds.contains(&"restricted") && kinds.contains(&"blocked_new_work"))
            .then_some(shown)
    });
    assert!(
        settled.is_some(),
        "the standing did not settle: {}",
        standing(&stack, &fl)
    );
    // …and once it has stopped (which delivers the rest of the change log), what it stored is
    // what evaluating the freelancer afresh gives.
    assert_eq!(stack.stop().code(), Some(0));
    let evaluations = evaluate_afresh(&store, FREELANCER);
    assert_eq!(
        evaluations.stored, evaluations.again,
        "the stored standing (version {}) is not what a fresh evaluation gives",
        evaluations.version
    );
    // With no history at all, the same evidence gives the same sanctions, from the same moments.
    assert_eq!(
        sanctions_in_short(&evaluations.from_scratch),
        sanctions_in_short(&evaluations.again),
        "{:#}\n{:#}",
        evaluations.from_scratch,
        evaluations.again
    );
    as_the_rule_book_predicts(&evaluations.again, &written);

    // What the API shows after a restart is that evaluation.
    let stack = Stack::start(&store, Clock::Wall);
    let shown = standing(&stack, &fl);
    assert_eq!(shown["version"], evaluations.version, "{shown}");
    assert_eq!(shown["sanctions"], evaluations.again["sanctions"]);
    assert_eq!(shown["jss"], evaluations.again["jss"]);
    let eligibility = stack
        .get(&format!("/freelancers/{FREELANCER}/eligibility"), &fl)
        .expect(200);
    assert_eq!(eligibility, evaluations.again["eligibility"]);
    assert_eq!(stack.stop().code(), Some(0));
    println!("{WRITERS} writers: done in {:?}", started.elapsed());
}
on_both_stores!(
    fifty_concurrent_writers_on_one_freelancer_lose_nothing_apply_nothing_twice_and_settle_on_a_fresh_evaluation
);
