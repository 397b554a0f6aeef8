//! `POST /freelancers/{id}/appeals`, `GET /appeals?status=pending` and
//! `POST /appeals/{id}/decision`.

use super::*;
use standing_domain::UserId;
use standing_domain::usecases::standing;

#[tokio::test]
async fn a_reinstatement_before_six_months_is_422_appeal_not_yet_open_with_the_date_it_opens() {
    // GIVEN a block that began yesterday
    let api = Api::new().await;
    // WHEN the freelancer applies for reinstatement
    let reply = api.file(FREELANCER, "reinstatement").await;
    // THEN it is refused, saying when it opens: six calendar months after the block began
    assert_eq!((reply.status, reply.code()), (422, "appeal_not_yet_open"));
    let opens_at = stamp(api.reinstatement_opens_at());
    assert_eq!(
        reply.body["error"]["details"]["opens_at"],
        opens_at.as_str()
    );
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&opens_at)
    );
    assert_eq!(
        api.reinstatement_opens_at(),
        api.block
            .started_at
            .checked_add_months(chrono::Months::new(6))
            .unwrap()
    );
}

#[tokio::test]
async fn a_contest_is_filed_at_once_and_answers_with_its_id() {
    let api = Api::new().await;
    let reply = api.file(FREELANCER, "contest").await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert!(reply.body["appeal_id"].as_str().unwrap().starts_with("ap_"));
    assert_eq!(reply.body["freelancer_id"], "fl-bo");
    assert_eq!(reply.body["kind"], "contest");
    assert_eq!(
        reply.body["sanction"]["sanction_id"],
        api.sanction_id().as_str()
    );
    assert_eq!(reply.body["sanction"]["kind"], "blocked_new_work");
    assert_eq!(reply.body["filed_at"], stamp(api.now()).as_str());
    assert_eq!(reply.body["decision"], Value::Null);
}

#[tokio::test]
async fn one_appeal_per_sanction_is_pending_at_a_time() {
    let api = Api::new().await;
    assert_eq!(api.file(FREELANCER, "contest").await.status, 201);
    for kind in ["contest", "reinstatement"] {
        let reply = api.file(FREELANCER, kind).await;
        assert_eq!((reply.status, reply.code()), (409, "conflict"), "{kind}");
    }
}

#[tokio::test]
async fn only_the_freelancer_themself_appeals_their_sanctions() {
    let api = Api::new().await;
    for caller in [
        OTHER_FREELANCER,
        CLIENT,
        REVIEWER,
        SERVICE,
        // fl-bo's id without the freelancer role.
        Some(("fl-bo", "[client reviewer]")),
    ] {
        let reply = api.file(caller, "contest").await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    assert_eq!(api.file(None, "contest").await.status, 401);
    assert!(api.pending().await.is_empty());
}

#[tokio::test]
async fn an_appeal_against_a_sanction_the_freelancer_does_not_have_is_404_not_found() {
    let api = Api::new().await;
    let reply = api
        .call(
            "POST",
            APPEALS,
            FREELANCER,
            Some(&appeal("sn_nothing", "contest")),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (404, "not_found"));
}

#[tokio::test]
async fn an_appeal_that_is_not_json_is_400_invalid_json() {
    let api = Api::new().await;
    let reply = api
        .call("POST", APPEALS, FREELANCER, Some("kind=contest"))
        .await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_json"));
}

#[tokio::test]
async fn reviewers_see_the_pending_appeals_and_decide_each_once() {
    // GIVEN a pending contest
    let api = Api::new().await;
    let filed = api.file(FREELANCER, "contest").await;
    let id = filed.body["appeal_id"].as_str().unwrap().to_owned();
    // THEN reviewers find it in the queue, asked for by status or not
    assert_eq!(api.pending().await, std::slice::from_ref(&filed.body));
    let unasked = api.call("GET", "/appeals", REVIEWER, None).await;
    assert_eq!(
        unasked.body,
        json!({"items": [filed.body], "next_cursor": null})
    );
    let decided_queue = api
        .call("GET", "/appeals?status=decided", REVIEWER, None)
        .await;
    assert_eq!(
        (decided_queue.status, decided_queue.code()),
        (400, "invalid_field")
    );

    // WHEN a reviewer denies it
    let denied = api.decide(&id, REVIEWER, "denied").await;
    // THEN the decision stands, once, and the queue is empty
    assert_eq!(denied.status, 200, "{:?}", denied.body);
    assert_eq!(denied.body["decision"]["outcome"], "denied");
    assert_eq!(denied.body["decision"]["reviewer"], "rev-ray");
    let again = api.decide(&id, REVIEWER, "granted").await;
    assert_eq!((again.status, again.code()), (409, "conflict"));
    assert!(api.pending().await.is_empty());
    // AND a second contest of the same sanction is refused: it was contested and decided
    let second = api.file(FREELANCER, "contest").await;
    assert_eq!((second.status, second.code()), (409, "already_exists"));
}

#[tokio::test]
async fn only_reviewers_see_the_queue_and_decide() {
    let api = Api::new().await;
    let filed = api.file(FREELANCER, "contest").await;
    let id = filed.body["appeal_id"].as_str().unwrap();
    for caller in [FREELANCER, CLIENT, SERVICE] {
        let queue = api
            .call("GET", "/appeals?status=pending", caller, None)
            .await;
        assert_eq!(
            (queue.status, queue.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
        let decided = api.decide(id, caller, "granted").await;
        assert_eq!(
            (decided.status, decided.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    assert_eq!(api.pending().await.len(), 1);
}

#[tokio::test]
async fn a_reviewer_may_not_decide_their_own_appeal() {
    let api = Api::new().await;
    let filed = api
        .file(Some(("fl-bo", "[freelancer reviewer]")), "contest")
        .await;
    assert_eq!(filed.status, 201);
    let reply = api
        .decide(
            filed.body["appeal_id"].as_str().unwrap(),
            Some(("fl-bo", "[freelancer reviewer]")),
            "granted",
        )
        .await;
    assert_eq!((reply.status, reply.code()), (403, "forbidden"));
}

#[tokio::test]
async fn a_decision_on_an_appeal_nobody_filed_is_404_not_found() {
    let api = Api::new().await;
    let reply = api.decide("ap_nothing", REVIEWER, "granted").await;
    assert_eq!((reply.status, reply.code()), (404, "not_found"));
}

#[tokio::test]
async fn six_months_on_a_reinstatement_is_filed_and_once_granted_the_block_lifts() {
    // GIVEN the reinstatement window opened
    let api = Api::new().await;
    api.clock.set(api.reinstatement_opens_at());
    // WHEN the freelancer applies and a reviewer grants it
    let filed = api.file(FREELANCER, "reinstatement").await;
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    assert_eq!(filed.body["kind"], "reinstatement");
    let granted = api
        .decide(
            filed.body["appeal_id"].as_str().unwrap(),
            REVIEWER,
            "granted",
        )
        .await;
    assert_eq!(granted.status, 200, "{:?}", granted.body);
    // THEN the evaluation that the decision triggers lifts the block
    let evaluation = standing::reevaluate(
        &api.store.repo,
        &api.clock,
        &api.policy,
        &UserId::parse("fl-bo").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(evaluation.standing, standing_domain::Standing::Good);
}
