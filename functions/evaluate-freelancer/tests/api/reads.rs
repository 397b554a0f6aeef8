//! The reads: `GET /freelancers/{id}/standing`, `/eligibility`, `/profile` and `/audit`, each
//! to the callers the contract names.

use super::*;
use standing_lambda::testing::stores::EmbeddedStore;

/// fl-bo under a quality block (three negative contracts from three clients, evaluated).
async fn blocked() -> (EmbeddedStore, Functions, String) {
    let store = EmbeddedStore::new();
    let block = arrange::blocked(&store.repo, "fl-bo", ended()).await;
    let functions = Functions::on(&store.repo);
    (store, functions, block.sanction_id.to_string())
}

#[tokio::test]
async fn the_freelancer_themself_reviewers_and_the_service_see_the_standing_with_its_reasons() {
    let (_store, functions, sanction_id) = blocked().await;
    for caller in [
        FREELANCER,
        REVIEWER,
        SERVICE,
        Some(("fl-bo", "[client freelancer]")),
    ] {
        let reply = functions.standing("fl-bo", caller).await;
        assert_eq!(reply.status, 200, "{caller:?}");
        assert_eq!(reply.body["standing"], "blocked_new_work");
        assert_eq!(reply.body["version"], 1);
        assert_eq!(
            reply.body["sanctions"][0]["sanction_id"],
            sanction_id.as_str()
        );
        assert!(
            reply.body["sanctions"][0]["statement"]
                .as_str()
                .unwrap()
                .starts_with("Blocked from new proposals")
        );
    }
}

#[tokio::test]
async fn another_freelancer_or_a_client_may_not_see_a_standing() {
    let (_store, functions, _) = blocked().await;
    for caller in [
        OTHER_FREELANCER,
        CLIENT,
        // fl-bo's id without the freelancer role.
        Some(("fl-bo", "[client]")),
    ] {
        let reply = functions.standing("fl-bo", caller).await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    let anonymous = functions.standing("fl-bo", None).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "unauthenticated")
    );
}

#[tokio::test]
async fn a_freelancer_never_evaluated_stands_good_and_the_read_stores_what_it_shows() {
    let store = EmbeddedStore::new();
    let functions = Functions::on(&store.repo);
    let read = || functions.standing("fl-new", Some(("fl-new", "[freelancer]")));
    let reply = read().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["standing"], "good");
    assert_eq!(reply.body["sanctions"], serde_json::json!([]));
    assert_eq!(reply.body["jss"], Value::Null);
    assert_eq!(reply.body["version"], 1, "the evaluation shown is stored");
    // A second read shows the stored one and writes nothing.
    assert_eq!(read().await.body, reply.body);
}

#[tokio::test]
async fn a_block_read_before_the_stream_evaluated_is_stored_and_audited_and_the_stream_then_changes_nothing()
 {
    // GIVEN the evidence of a block, written but never evaluated (the stream has not run)
    let store = EmbeddedStore::new();
    arrange::negative_contracts(
        &store.repo,
        "fl-bo",
        &["fl-bo-client1", "fl-bo-client2", "fl-bo-client3"],
        ended(),
    )
    .await;
    let functions = Functions::on(&store.repo);
    // WHEN the freelancer reads their eligibility, then their standing
    let eligibility = functions
        .call("GET", "/freelancers/fl-bo/eligibility", FREELANCER, None)
        .await;
    let standing = functions.standing("fl-bo", FREELANCER).await;
    // THEN the no names a sanction that is stored, with its audit entry
    assert_eq!(eligibility.body["submit_proposal"]["allowed"], false);
    let sanction = &standing.body["sanctions"][0]["sanction_id"];
    assert_eq!(
        eligibility.body["submit_proposal"]["sanctions"][0],
        *sanction
    );
    assert_eq!(standing.body["version"], 1, "{:?}", standing.body);
    let audit = functions.audit_items("fl-bo").await;
    assert_eq!(audit[0]["action"], "imposed", "{audit}");
    assert_eq!(audit[0]["sanction_id"], *sanction);
    // AND the stream's evaluation that follows changes nothing
    let id = standing_domain::UserId::parse("fl-bo").unwrap();
    standing_domain::usecases::standing::reevaluate(
        &store.repo,
        &functions.clock,
        &functions.policy,
        &id,
    )
    .await
    .unwrap();
    assert_eq!(
        functions.standing("fl-bo", FREELANCER).await.body["version"],
        1
    );
    assert_eq!(functions.audit_items("fl-bo").await, audit);
}

#[tokio::test]
async fn eligibility_names_the_block_behind_every_no_and_lets_existing_work_go_on() {
    let (_store, functions, sanction_id) = blocked().await;
    for caller in [FREELANCER, SERVICE, REVIEWER] {
        let reply = functions
            .call("GET", "/freelancers/fl-bo/eligibility", caller, None)
            .await;
        assert_eq!(reply.status, 200, "{caller:?}");
        let blocked = serde_json::json!({"allowed": false, "sanctions": [sanction_id]});
        assert_eq!(reply.body["submit_proposal"], blocked);
        assert_eq!(reply.body["accept_new_contract"], blocked);
        assert_eq!(
            reply.body["continue_existing_contract"],
            serde_json::json!({"allowed": true, "sanctions": []})
        );
    }
    let other = functions
        .call(
            "GET",
            "/freelancers/fl-bo/eligibility",
            OTHER_FREELANCER,
            None,
        )
        .await;
    assert_eq!((other.status, other.code()), (403, "forbidden"));
}

#[tokio::test]
async fn the_profile_shows_anyone_signed_in_the_revealed_public_feedback_and_nothing_private() {
    // GIVEN fl-bo's three negative feedbacks, given a day after their contracts ended, which
    // fl-bo has not answered with theirs (so they are revealed only when the window closes)
    let store = EmbeddedStore::new();
    for n in 1..=3 {
        let (id, client) = (format!("fl-bo-c{n}"), format!("fl-bo-client{n}"));
        arrange::contract(&store.repo, &id, &client, "fl-bo", Some(ended())).await;
        arrange::negative_feedback(&store.repo, &id, &client, ended() + Duration::days(1)).await;
    }
    let functions = Functions::on(&store.repo);
    let profile = || functions.call("GET", "/freelancers/fl-bo/profile", OTHER_FREELANCER, None);

    // WHEN the profile is read before the feedback window closes
    let early = profile().await;
    // THEN nothing is revealed yet, and the JSS does not count it either
    assert_eq!(early.status, 200);
    assert_eq!(early.body["freelancer_id"], "fl-bo");
    assert_eq!(early.body["feedback"], serde_json::json!([]));
    assert_eq!(early.body["jss"], Value::Null);

    // WHEN it is read after the window closed, by anyone signed in
    functions.clock.set(ended() + Duration::days(15));
    for caller in [OTHER_FREELANCER, CLIENT, REVIEWER, SERVICE, FREELANCER] {
        let late = functions
            .call("GET", "/freelancers/fl-bo/profile", caller, None)
            .await;
        // THEN it holds the public parts, never the private ones
        assert_eq!(late.status, 200, "{caller:?}");
        let entries = late.body["feedback"].as_array().unwrap();
        assert_eq!(entries.len(), 3, "{:?}", late.body);
        assert!(
            entries
                .iter()
                .all(|e| e["public"]["comment"] == "Missed every deadline.")
        );
        let text = late.body.to_string();
        for private in [
            "private",
            "quality_issues",
            "Would not hire again.",
            "recommend",
        ] {
            assert!(!text.contains(private), "{private} leaked: {text}");
        }
        assert_eq!(late.body["jss"], 0);
        assert_eq!(late.body["disputed_credentials"], serde_json::json!([]));
    }
    assert_eq!(profile_without_claims(&functions).await, 401);
}

async fn profile_without_claims(functions: &Functions) -> u16 {
    functions
        .call("GET", "/freelancers/fl-bo/profile", None, None)
        .await
        .status
}

#[tokio::test]
async fn the_audit_trail_is_for_reviewers_with_every_change_of_standing() {
    let (_store, functions, sanction_id) = blocked().await;
    let audit = functions.audit_items("fl-bo").await;
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    let entry = &entries[0];
    assert_eq!(entry["freelancer_id"], "fl-bo");
    assert_eq!(entry["action"], "imposed");
    assert_eq!(entry["sanction_id"], sanction_id.as_str());
    assert_eq!(entry["rule"], "quality.multiple_negative");
    assert_eq!(entry["before"], "good");
    assert_eq!(entry["after"], "blocked_new_work");
    assert_eq!(entry["actor"], "automated");
    assert_eq!(
        entry["evidence"]["contract_ids"],
        serde_json::json!(["fl-bo-c1", "fl-bo-c2", "fl-bo-c3"])
    );
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .starts_with("Blocked from new proposals")
    );

    for caller in [FREELANCER, SERVICE, CLIENT] {
        let reply = functions
            .call("GET", "/freelancers/fl-bo/audit", caller, None)
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
}

#[tokio::test]
async fn a_route_the_contract_does_not_have_is_404_not_found() {
    let (_store, functions, _) = blocked().await;
    let reply = functions
        .call("GET", "/freelancers/fl-bo/sanctions", REVIEWER, None)
        .await;
    assert_eq!((reply.status, reply.code()), (404, "not_found"));
}

#[tokio::test]
async fn the_audit_trail_is_a_page_and_a_bad_limit_or_cursor_is_400_after_the_role_check() {
    let (_store, functions, _) = blocked().await;
    let page = functions
        .call("GET", "/freelancers/fl-bo/audit?limit=1", REVIEWER, None)
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page.body["next_cursor"], Value::Null);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=nope", "cursor"),
    ] {
        let path = format!("/freelancers/fl-bo/audit?{query}");
        let bad = functions.call("GET", &path, REVIEWER, None).await;
        assert_eq!((bad.status, bad.code()), (400, "invalid_field"), "{query}");
        assert_eq!(bad.body["error"]["details"]["field"], field);
        // A caller the route does not name learns nothing of its query rules.
        let refused = functions.call("GET", &path, FREELANCER, None).await;
        assert_eq!(refused.status, 403, "{query}");
    }
}
