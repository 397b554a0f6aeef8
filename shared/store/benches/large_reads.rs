//! The largest reads a marketplace makes of one freelancer and of the reviewers' queue, on the
//! embedded store: the public profile, the evaluation, the queue and the audit trail, with the
//! size of each answer as JSON and how long it took. Every list answers a bounded page whatever
//! the history holds (api.md, Lists).
//! Run: `cargo bench -p standing-store --bench large_reads` (`CONTRACTS=4500 COMPLAINTS=1000`
//! by default; set them to measure other sizes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use standing_lambda::body::{AuditEntryBody, ComplaintBody, PageBody, ProfileBody, StandingBody};
use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use standing_domain::fixtures::*;
use standing_domain::model::ComplaintStatus;
use standing_domain::paging::PageRequest;
use standing_domain::usecases::policies::InForce;
use standing_domain::usecases::{complaints, contracts, feedback, standing};
use standing_domain::*;
use standing_store::{EmbeddedEngine, EmbeddedOptions, Engine, Repository};
use standing_testkit::TempDir;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn register(
    client: &str,
    freelancer: &str,
    ended: chrono::DateTime<chrono::Utc>,
) -> contracts::RegisterContract {
    contracts::RegisterContract {
        client_id: user(client),
        freelancer_id: user(freelancer),
        started_at: ended - Duration::days(30),
        ended_at: Some(ended),
        total_charged_minor: 50_000,
        currency: Currency::parse("USD").unwrap(),
    }
}

fn client_feedback(score: i64) -> feedback::SubmitFeedback {
    let mut p = public(score);
    p.comment = Comment::parse("a careful, thorough piece of work ".repeat(9)).unwrap();
    feedback::SubmitFeedback {
        public: p,
        private: Some(model::PrivatePart {
            reason_ended: ReasonEnded::CompletedSuccessfully,
            recommend: Some(Recommend::parse(9).unwrap()),
            dissatisfied_with: Areas::EMPTY,
            note: None,
        }),
    }
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn rss_peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n_contracts = env_count("CONTRACTS", 4_500);
    let n_complaints = env_count("COMPLAINTS", 1_000);
    let dir = TempDir::new("large-reads").unwrap();
    let engine = Arc::new(
        EmbeddedEngine::open(dir.path().join("standing.redb"), EmbeddedOptions::default()).unwrap(),
    );
    let repo = Repository::new(engine as Arc<dyn Engine>);
    let policy = policy();
    let svc = actor("svc", &[Role::Service]);
    let fl = actor("fl1", &[Role::Freelancer]);
    let rev = actor("rev1", &[Role::Reviewer]);
    let now = day(0);

    // One freelancer with `n_contracts` ended contracts inside the JSS window, each with the
    // client's feedback and the freelancer's (so all of it is revealed and public).
    let started = Instant::now();
    for i in 0..n_contracts {
        let ended = now - Duration::days(1 + (i % 700) as i64) - Duration::minutes(i as i64);
        let id = ContractId::parse(format!("c{i}")).unwrap();
        let client = format!("cl{}", i % 400);
        contracts::register(&repo, &svc, id.clone(), register(&client, "fl1", ended))
            .await
            .unwrap();
        let clock = FixedClock::at(ended + Duration::hours(1));
        let cl = actor(&client, &[Role::Client]);
        feedback::submit(&repo, &clock, &policy, &cl, &id, client_feedback(5))
            .await
            .unwrap();
        let own = feedback::SubmitFeedback {
            public: public(5),
            private: None,
        };
        feedback::submit(&repo, &clock, &policy, &fl, &id, own)
            .await
            .unwrap();
    }
    let clock = FixedClock::at(now);
    println!(
        "setup: {n_contracts} contracts with both sides' feedback in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    println!("| read | items | answer | time |");
    println!("| --- | --- | --- | --- |");
    for limit in ["50", "200"] {
        let page = PageRequest::parse(Some(limit), None).unwrap();
        let t = Instant::now();
        let view = standing::profile(&repo, &clock, &policy, &user("fl1"), &page)
            .await
            .unwrap();
        let took = t.elapsed();
        let shown = view.feedback.len();
        let bytes = serde_json::to_vec(&ProfileBody::from(view)).unwrap().len();
        println!(
            "| profile, first page (limit {limit}) | {} | {} | {:.1} ms |",
            shown,
            kib(bytes),
            took.as_secs_f64() * 1e3
        );
    }
    let page = PageRequest::parse(Some("200"), None).unwrap();
    let (mut pages, mut entries, mut largest) = (0usize, 0usize, 0usize);
    let mut cursor: Option<String> = None;
    let t = Instant::now();
    loop {
        let request = PageRequest::parse(Some("200"), cursor.as_deref()).unwrap();
        let view = standing::profile(&repo, &clock, &policy, &user("fl1"), &request)
            .await
            .unwrap();
        pages += 1;
        entries += view.feedback.len();
        largest = largest.max(
            serde_json::to_vec(&ProfileBody::from(view.clone()))
                .unwrap()
                .len(),
        );
        match view.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    println!(
        "| profile, every page (limit 200) | {entries} in {pages} pages | largest {} | {:.1} ms in all |",
        kib(largest),
        t.elapsed().as_secs_f64() * 1e3
    );
    drop(page);

    let t = Instant::now();
    let evaluation = standing::reevaluate(&repo, &clock, &policy, &user("fl1"))
        .await
        .unwrap();
    let took = t.elapsed();
    let view = standing::standing(&repo, &clock, &InForce::only(&policy), &svc, &user("fl1"))
        .await
        .unwrap();
    println!(
        "| evaluation of {n_contracts} contracts, and its GET standing | {} sanctions, JSS {:?} | {} | {:.1} ms |",
        evaluation.sanctions.len(),
        evaluation.jss,
        kib(serde_json::to_vec(&StandingBody::from(view)).unwrap().len()),
        took.as_secs_f64() * 1e3
    );

    // `n_complaints` open complaints: 5 claims each (the most §7 allows open) from reporters
    // who each had a contract with one of many freelancers.
    let t = Instant::now();
    let claims = [
        "Licensed engineer",
        "AWS SA",
        "PhD",
        "Chartered",
        "Top rated",
    ];
    let mut filed = 0;
    'filing: for r in 0.. {
        let freelancer = format!("qf{}", r % 50);
        let reporter = format!("qr{r}");
        let id = ContractId::parse(format!("q{r}")).unwrap();
        contracts::register(
            &repo,
            &svc,
            id,
            register(&reporter, &freelancer, now - Duration::days(3)),
        )
        .await
        .unwrap();
        for text in claims {
            if filed == n_complaints {
                break 'filing;
            }
            let reporter_actor = actor(&reporter, &[Role::Client]);
            complaints::file(
                &repo,
                &clock,
                &policy,
                complaints::may_file(&repo, &reporter_actor, &user(&freelancer))
                    .await
                    .unwrap(),
                complaints::FileComplaint {
                    category: ComplaintCategory::Certification,
                    claim: ClaimText::parse(text).unwrap(),
                    statement: Statement::parse("x ".repeat(200).trim()).unwrap(),
                    evidence: vec![EvidenceText::parse("https://registry.example/none").unwrap()],
                },
            )
            .await
            .unwrap();
            filed += 1;
        }
    }
    println!(
        "setup: {filed} complaints in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for status in [ComplaintStatus::Open, ComplaintStatus::UnderReview] {
        let (mut pages, mut items, mut largest) = (0usize, 0usize, 0usize);
        let mut cursor: Option<String> = None;
        let t = Instant::now();
        loop {
            let request = PageRequest::parse(Some("200"), cursor.as_deref()).unwrap();
            let page = complaints::queue(&repo, &rev, status, &request)
                .await
                .unwrap();
            pages += 1;
            items += page.items.len();
            let body = PageBody::of(page.clone(), ComplaintBody::from);
            largest = largest.max(serde_json::to_vec(&body).unwrap().len());
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        println!(
            "| queue `{status}`, every page (limit 200) | {items} in {pages} pages | largest {} | {:.1} ms in all |",
            kib(largest),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    let t = Instant::now();
    let trail = standing::audit(&repo, &rev, &user("fl1"), &PageRequest::default())
        .await
        .unwrap();
    println!(
        "| audit trail, first page | {} | {} | {:.1} ms |",
        trail.items.len(),
        kib(
            serde_json::to_vec(&PageBody::of(trail.clone(), AuditEntryBody::from))
                .unwrap()
                .len()
        ),
        t.elapsed().as_secs_f64() * 1e3
    );
    println!("peak RSS of the whole run: {}", rss_peak());
}
