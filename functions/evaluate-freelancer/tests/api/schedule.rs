//! The hourly schedule: a freelancer whose evaluation time alone can change (feedback revealed
//! when its window closes) is re-evaluated once that moment has passed, with no new write.

use super::*;
use standing_lambda::testing::fixtures;
use standing_lambda::testing::stores::{DynamoDbLocalStore, EmbeddedStore};

impl Functions {
    /// Delivers the hourly EventBridge scheduled event; returns the run's report.
    async fn hourly(&self) -> Value {
        let event: Value = serde_json::from_str(fixtures::SCHEDULED_EVENT).unwrap();
        let answer = evaluate_freelancer::handle(
            &self.repo,
            &self.clock,
            &self.policy,
            evaluate_freelancer::RolloutLimits::default(),
            invocation(&event),
        )
        .await
        .expect("the scheduled run succeeds");
        wire(answer)
    }
}

/// GIVEN three clients' negatives on fl-bo a day after the contracts ended, which fl-bo never
/// answers (revealed only when the window closes, 14 days after the end), evaluated at once.
async fn negatives_revealed_by_the_window_close_block_on_the_hourly_run(repo: &Repository) {
    for n in 1..=3 {
        let (id, client) = (format!("fl-bo-c{n}"), format!("fl-bo-client{n}"));
        arrange::contract(repo, &id, &client, "fl-bo", Some(ended())).await;
        arrange::negative_feedback(repo, &id, &client, ended() + Duration::days(1)).await;
    }
    let functions = Functions::on(repo);
    let first = functions.standing("fl-bo", FREELANCER).await;
    assert_eq!(first.body["standing"], "good", "nothing is revealed yet");
    assert_eq!(first.body["version"], 1, "the read stored its evaluation");

    // WHEN the hourly schedule runs before the window closes THEN nothing is due
    functions
        .clock
        .set(ended() + Duration::days(14) - Duration::minutes(1));
    assert_eq!(
        functions.hourly().await,
        serde_json::json!({"reevaluated": 0, "policy_rollout": {"version": null, "reevaluated": 0, "failed": 0, "pages": 0, "finished": false, "failures": []}})
    );
    assert_eq!(
        functions.standing("fl-bo", FREELANCER).await.body,
        first.body
    );

    // WHEN it runs in the hour after the window closed THEN the block is imposed, beginning at
    // the reveal, with no write in between
    functions
        .clock
        .set(ended() + Duration::days(14) + Duration::minutes(30));
    assert_eq!(
        functions.hourly().await,
        serde_json::json!({"reevaluated": 1, "policy_rollout": {"version": null, "reevaluated": 0, "failed": 0, "pages": 0, "finished": false, "failures": []}})
    );
    let blocked = functions.standing("fl-bo", FREELANCER).await.body;
    assert_eq!(blocked["standing"], "blocked_new_work", "{blocked}");
    assert_eq!(
        blocked["sanctions"][0]["started_at"],
        (ended() + Duration::days(14)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let audit = functions.audit_items("fl-bo").await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");

    // AND the next run finds nothing due: the contracts leave the window only a year on
    functions.clock.advance(Duration::hours(1));
    assert_eq!(
        functions.hourly().await,
        serde_json::json!({"reevaluated": 0, "policy_rollout": {"version": null, "reevaluated": 0, "failed": 0, "pages": 0, "finished": false, "failures": []}})
    );
}

#[tokio::test]
async fn on_the_embedded_store_negatives_revealed_by_the_window_close_block_on_the_next_hourly_run()
{
    let store = EmbeddedStore::new();
    negatives_revealed_by_the_window_close_block_on_the_hourly_run(&store.repo).await;
}

#[tokio::test]
async fn on_dynamodb_local_negatives_revealed_by_the_window_close_block_on_the_next_hourly_run() {
    let store = DynamoDbLocalStore::new("evaluate-hourly").await;
    negatives_revealed_by_the_window_close_block_on_the_hourly_run(&store.repo).await;
}
