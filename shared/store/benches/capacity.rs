//! Measures the capacity each API operation and one evaluation consume on AWS's DynamoDB Local
//! (ReturnConsumedCapacity TOTAL), and the embedded engine's durable writes per second.
//! Run: `cargo bench -p standing-store --bench capacity`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use standing_domain::fixtures::*;
use standing_domain::paging::PageRequest;
use standing_domain::usecases::policies::InForce;
use standing_domain::usecases::{appeals, complaints, contracts, feedback, standing, sweep};
use standing_domain::*;
use standing_store::{
    CapacityTotals, Condition, DynamoDbEngine, EmbeddedEngine, EmbeddedOptions, Engine, Item,
    Repository, create_table,
};
use standing_testkit::{DynamoDbLocal, TempDir, unique_table_name};

fn row(name: &str, c: CapacityTotals) {
    println!(
        "| {name} | {} | {:.1} | {:.1} |",
        c.operations, c.read_units, c.write_units
    );
}

fn register(
    client: &str,
    ended: Option<chrono::DateTime<chrono::Utc>>,
) -> contracts::RegisterContract {
    contracts::RegisterContract {
        client_id: user(client),
        freelancer_id: user("fl1"),
        started_at: ended.unwrap_or(day(0)) - Duration::days(30),
        ended_at: ended,
        total_charged_minor: 50_000,
        currency: Currency::parse("USD").unwrap(),
    }
}

fn submit(score: i64) -> feedback::SubmitFeedback {
    let mut p = public(score);
    p.comment = Comment::parse("x".repeat(300)).unwrap();
    feedback::SubmitFeedback {
        public: p,
        private: Some(model::PrivatePart {
            reason_ended: if score <= 2 {
                ReasonEnded::QualityIssues
            } else {
                ReasonEnded::CompletedSuccessfully
            },
            recommend: Some(Recommend::parse(7).unwrap()),
            dissatisfied_with: Areas::EMPTY,
            note: None,
        }),
    }
}

async fn capacity(repo: &Repository, engine: &dyn Engine) {
    let svc = actor("svc", &[Role::Service]);
    let fl = actor("fl1", &[Role::Freelancer]);
    let rev = actor("rev1", &[Role::Reviewer]);
    let policy = policy();
    let cid = |s: &str| ContractId::parse(s).unwrap();
    let meter = engine.capacity();
    // Background history: 50 ended contracts with feedback, half older than every window.
    for i in 0..50 {
        let end = if i % 2 == 0 {
            day(-900 - i)
        } else {
            day(-i * 7)
        };
        let id = format!("h{i}");
        let client = format!("hc{}", i % 20);
        contracts::register(repo, &svc, cid(&id), register(&client, Some(end)))
            .await
            .unwrap();
        let clock = FixedClock::at(end + Duration::days(1));
        feedback::submit(
            repo,
            &clock,
            &policy,
            &actor(&client, &[Role::Client]),
            &cid(&id),
            submit(5),
        )
        .await
        .unwrap();
    }
    let clock = FixedClock::at(day(1));
    println!("| operation | requests | RCU | WCU |");
    println!("| --- | --- | --- | --- |");
    meter.reset();
    contracts::register(repo, &svc, cid("c1"), register("cl1", Some(day(0))))
        .await
        .unwrap();
    row("PUT /contracts/{id} (new, ended)", meter.take());
    let cl1 = actor("cl1", &[Role::Client]);
    feedback::submit(repo, &clock, &policy, &cl1, &cid("c1"), submit(2))
        .await
        .unwrap();
    row("POST /contracts/{id}/feedback (client)", meter.take());
    feedback::submit(
        repo,
        &clock,
        &policy,
        &fl,
        &cid("c1"),
        feedback::SubmitFeedback {
            public: public(4),
            private: None,
        },
    )
    .await
    .unwrap();
    row("POST /contracts/{id}/feedback (freelancer)", meter.take());
    feedback::view_contract(repo, &clock, &policy, &cl1, &cid("c1"))
        .await
        .unwrap();
    row("GET /contracts/{id}/feedback", meter.take());
    feedback::request_change(repo, &clock, &cl1, &cid("c1"))
        .await
        .unwrap();
    row("POST .../change-request", meter.take());
    feedback::consent_change(repo, &clock, &policy, &fl, &cid("c1"), true)
        .await
        .unwrap();
    row("POST .../change-consent", meter.take());
    feedback::apply_change(
        repo,
        &clock,
        &policy,
        &cl1,
        &cid("c1"),
        feedback::ChangePublic {
            public: Some(public(3)),
            touches_private: false,
        },
    )
    .await
    .unwrap();
    row("PATCH .../feedback/client", meter.take());
    feedback::respond(
        repo,
        &clock,
        &policy,
        &fl,
        &cid("c1"),
        ResponseText::parse("Thank you").unwrap(),
    )
    .await
    .unwrap();
    row("PUT .../response", meter.take());
    let report = feedback::report(
        repo,
        &clock,
        &policy,
        &fl,
        &cid("c1"),
        feedback::ReportFeedback {
            reason: ReportReason::Irrelevant,
            details: Note::default(),
        },
    )
    .await
    .unwrap();
    row("POST .../report", meter.take());
    feedback::decide_report(
        repo,
        &clock,
        &rev,
        &report.report_id,
        feedback::DecideReport {
            outcome: ReportOutcome::Kept,
            note: Note::default(),
        },
    )
    .await
    .unwrap();
    row("POST /feedback-reports/{id}/decision", meter.take());
    let cmd = || complaints::FileComplaint {
        category: ComplaintCategory::License,
        claim: ClaimText::parse("Licensed engineer").unwrap(),
        statement: Statement::parse("not in the register").unwrap(),
        evidence: vec![EvidenceText::parse("https://register.example").unwrap()],
    };
    let first = complaints::file(
        repo,
        &clock,
        &policy,
        complaints::may_file(repo, &actor("hc1", &[Role::Client]), &user("fl1"))
            .await
            .unwrap(),
        cmd(),
    )
    .await
    .unwrap();
    row("POST /freelancers/{id}/complaints", meter.take());
    complaints::file(
        repo,
        &clock,
        &policy,
        complaints::may_file(repo, &actor("hc2", &[Role::Client]), &user("fl1"))
            .await
            .unwrap(),
        cmd(),
    )
    .await
    .unwrap();
    row(
        "POST /freelancers/{id}/complaints (opens a case)",
        meter.take(),
    );
    complaints::queue(
        repo,
        &rev,
        model::ComplaintStatus::UnderReview,
        &PageRequest::default(),
    )
    .await
    .unwrap();
    row("GET /complaints?status=under_review", meter.take());
    let decision = complaints::DecideComplaint {
        outcome: ComplaintOutcome::Substantiated,
        terms_clause: TermsClause::parse("ToS 4.2").unwrap(),
        note: Note::default(),
    };
    let right = complaints::may_decide(repo, &rev, &first.complaint_id)
        .await
        .unwrap();
    complaints::decide(repo, &clock, &policy, right, decision)
        .await
        .unwrap();
    row("POST /complaints/{id}/decision", meter.take());
    let e = standing::reevaluate(repo, &clock, &policy, &user("fl1"))
        .await
        .unwrap();
    row(
        "evaluation (50-contract history, writes a new standing)",
        meter.take(),
    );
    standing::reevaluate(repo, &clock, &policy, &user("fl1"))
        .await
        .unwrap();
    row("evaluation (replay, nothing changes)", meter.take());
    // The common case: one more feedback, the outcome unchanged (the evidence mark moves).
    contracts::register(repo, &svc, cid("c-more"), register("cl1", Some(day(0))))
        .await
        .unwrap();
    feedback::submit(repo, &clock, &policy, &cl1, &cid("c-more"), submit(5))
        .await
        .unwrap();
    meter.reset();
    standing::reevaluate(repo, &clock, &policy, &user("fl1"))
        .await
        .unwrap();
    row(
        "evaluation (one more feedback, outcome unchanged)",
        meter.take(),
    );
    // The most common case of all: a freelancer in good standing (no sanction and its reasons
    // to carry in the standing), one more feedback.
    let for_fl2 = |client: &str, ended| contracts::RegisterContract {
        freelancer_id: user("fl2"),
        ..register(client, Some(ended))
    };
    for i in 0..6 {
        let (id, client) = (format!("g{i}"), format!("gc{i}"));
        contracts::register(repo, &svc, cid(&id), for_fl2(&client, day(-i)))
            .await
            .unwrap();
        let client = actor(&client, &[Role::Client]);
        feedback::submit(repo, &clock, &policy, &client, &cid(&id), submit(5))
            .await
            .unwrap();
    }
    standing::reevaluate(repo, &clock, &policy, &user("fl2"))
        .await
        .unwrap();
    contracts::register(repo, &svc, cid("g-more"), for_fl2("gc0", day(0)))
        .await
        .unwrap();
    let gc0 = actor("gc0", &[Role::Client]);
    feedback::submit(repo, &clock, &policy, &gc0, &cid("g-more"), submit(5))
        .await
        .unwrap();
    meter.reset();
    standing::reevaluate(repo, &clock, &policy, &user("fl2"))
        .await
        .unwrap();
    row(
        "evaluation (good standing, 7 contracts, one more feedback)",
        meter.take(),
    );
    standing::standing(repo, &clock, &InForce::only(&policy), &fl, &user("fl1"))
        .await
        .unwrap();
    row("GET /freelancers/{id}/standing", meter.take());
    standing::eligibility(repo, &clock, &InForce::only(&policy), &fl, &user("fl1"))
        .await
        .unwrap();
    row("GET /freelancers/{id}/eligibility", meter.take());
    standing::profile(repo, &clock, &policy, &user("fl1"), &PageRequest::default())
        .await
        .unwrap();
    row("GET /freelancers/{id}/profile (51 contracts)", meter.take());
    standing::audit(repo, &rev, &user("fl1"), &PageRequest::default())
        .await
        .unwrap();
    row("GET /freelancers/{id}/audit", meter.take());
    let appeal = appeals::file(
        repo,
        &clock,
        &policy,
        &fl,
        &user("fl1"),
        appeals::FileAppeal {
            sanction_id: e.sanctions[0].sanction_id.clone(),
            kind: AppealKind::Contest,
            statement: Statement::parse("wrong").unwrap(),
        },
    )
    .await
    .unwrap();
    row("POST /freelancers/{id}/appeals", meter.take());
    appeals::pending(repo, &rev, &PageRequest::default())
        .await
        .unwrap();
    row("GET /appeals?status=pending", meter.take());
    let right = appeals::may_decide(repo, &rev, &appeal.appeal_id)
        .await
        .unwrap();
    appeals::decide(
        repo,
        &clock,
        right,
        appeals::DecideAppeal {
            outcome: AppealOutcome::Denied,
            note: Note::default(),
        },
    )
    .await
    .unwrap();
    row("POST /appeals/{id}/decision", meter.take());
    sweep::daily_check(repo, &clock, &policy).await.unwrap();
    row("daily check (nothing due)", meter.take());
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let local = DynamoDbLocal::shared().unwrap();
        let client = local.dynamodb_client();
        let table = unique_table_name("capacity");
        create_table(&client, &table).await.unwrap();
        let engine = Arc::new(DynamoDbEngine::new(client, table));
        let repo = Repository::new(engine.clone());
        println!("Capacity on DynamoDB Local {} (ReturnConsumedCapacity TOTAL):\n", standing_testkit::NPM_VERSION);
        capacity(&repo, engine.as_ref()).await;

        let dir = TempDir::new("bench").unwrap();
        let embedded = EmbeddedEngine::open(dir.path().join("bench.redb"), EmbeddedOptions::default()).unwrap();
        let n = 2_000u32;
        let started = Instant::now();
        for i in 0..n {
            let item: Item = serde_dynamo::to_item(serde_json::json!({
                "PK": format!("FL#bench{}", i % 50), "SK": format!("EV#{i:08}"), "entity_type": "bench",
                "version": 1, "data": "x".repeat(300)
            }))
            .unwrap();
            embedded.put(item, Condition::None).await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "\nEmbedded engine: {n} durable single-item writes in {secs:.2} s = {:.0} writes/s (each committed to disk before it returns)",
            f64::from(n) / secs
        );
    });
}
