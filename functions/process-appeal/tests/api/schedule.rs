//! The daily check, invoked by EventBridge's scheduled event.

use super::*;
use standing_lambda::testing::fixtures::SCHEDULED_EVENT;
use standing_lambda::testing::invoke::{invocation, wire};
use standing_lambda::testing::stores::undecodable_item;

impl Api {
    /// The scheduled event as EventBridge delivers it; the report the function answers with.
    async fn tick(&self) -> Result<Value, String> {
        let event: Value = serde_json::from_str(SCHEDULED_EVENT).unwrap();
        process_appeal::handle(
            &self.store.repo,
            &self.clock,
            &self.policy,
            invocation(&event),
        )
        .await
        .map(wire)
        .map_err(|e| e.to_string())
    }
}

fn report(notices: u32, flagged: u32) -> Value {
    json!({"reinstatement_notices": notices, "overdue_appeals_flagged": flagged})
}

#[tokio::test]
async fn the_daily_check_notices_an_opened_reinstatement_window_once() {
    let api = Api::new().await;
    assert_eq!(api.tick().await, Ok(report(0, 0)));
    api.clock
        .set(api.reinstatement_opens_at() - Duration::seconds(1));
    assert_eq!(api.tick().await, Ok(report(0, 0)));
    api.clock.set(api.reinstatement_opens_at());
    assert_eq!(api.tick().await, Ok(report(1, 0)));
    api.clock.advance(Duration::days(1));
    assert_eq!(api.tick().await, Ok(report(0, 0)));
}

#[tokio::test]
async fn the_daily_check_flags_an_appeal_pending_more_than_seven_days_once() {
    // GIVEN a contest filed now
    let api = Api::new().await;
    let filed_at = api.now();
    assert_eq!(api.file(FREELANCER, "contest").await.status, 201);
    // WHEN the check runs seven days on, and just after
    api.clock.set(filed_at + Duration::days(7));
    assert_eq!(api.tick().await, Ok(report(0, 0)));
    api.clock
        .set(filed_at + Duration::days(7) + Duration::seconds(1));
    // THEN the appeal is flagged once, and the queue shows since when
    assert_eq!(api.tick().await, Ok(report(0, 1)));
    assert_eq!(api.tick().await, Ok(report(0, 0)));
    let pending = api.pending().await;
    assert_eq!(
        pending[0]["overdue_since"],
        stamp(filed_at + Duration::days(7) + Duration::seconds(1)).as_str()
    );
}

#[tokio::test]
async fn the_daily_check_fails_the_invocation_when_a_due_item_does_not_decode() {
    // GIVEN a reinstatement due item that no longer decodes, due already
    let api = Api::new().await;
    let fl = standing_domain::UserId::parse("fl-bo").unwrap();
    let mut item = undecodable_item("FL#fl-bo", "DUE#sn_broken#2026-01-01", "due", &fl);
    item.insert(
        "GSI2PK".into(),
        standing_store::AttributeValue::S("DUE".into()),
    );
    item.insert(
        "GSI2SK".into(),
        standing_store::AttributeValue::S("2026-01-01T00:00:00.000000Z#fl-bo#sn_broken".into()),
    );
    api.store.put_raw(item).await;
    // WHEN the check runs THEN the invocation fails, so that EventBridge retries it, and what it
    // logs names the item (its key), not its content
    let failed = api.tick().await.unwrap_err();
    assert!(failed.contains("internal fault"), "{failed}");
    assert!(failed.contains("DUE#sn_broken"), "{failed}");
}

#[tokio::test]
async fn a_block_lifted_before_its_reinstatement_window_opens_is_not_announced_as_open() {
    // GIVEN a block contested at once, the contest granted and the block lifted by the evaluation
    let api = Api::new().await;
    let contest = api.file(FREELANCER, "contest").await;
    let granted = api
        .decide(
            contest.body["appeal_id"].as_str().unwrap(),
            REVIEWER,
            "granted",
        )
        .await;
    assert_eq!(granted.status, 200, "{:?}", granted.body);
    let evaluation = standing_domain::usecases::standing::reevaluate(
        &api.store.repo,
        &api.clock,
        &api.policy,
        &standing_domain::UserId::parse("fl-bo").unwrap(),
    )
    .await
    .unwrap();
    assert!(
        evaluation.sanctions.is_empty(),
        "{:?}",
        evaluation.sanctions
    );
    // WHEN the day the reinstatement window would have opened comes
    api.clock.set(api.reinstatement_opens_at());
    // THEN the daily check has no reinstatement to announce
    assert_eq!(api.tick().await, Ok(report(0, 0)));
}
