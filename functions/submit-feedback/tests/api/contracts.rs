//! `PUT /contracts/{contract_id}`: the marketplace's back end registers contracts.

use super::*;

#[tokio::test]
async fn the_service_registers_a_contract_and_gets_it_back_as_registered() {
    // GIVEN nothing stored
    let api = Api::new();
    // WHEN the service registers a contract
    let reply = api
        .call(
            "PUT",
            CONTRACT,
            SERVICE,
            Some(&Api::contract_body(Some(ended()))),
        )
        .await;
    // THEN it answers 200 with the contract in the shape it was registered with
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["contract_id"], "c-1");
    assert_eq!(reply.body["client_id"], "cl-ada");
    assert_eq!(reply.body["freelancer_id"], "fl-bo");
    assert_eq!(reply.body["ended_at"], "2026-10-28T00:00:00Z");
    assert_eq!(reply.body["total_charged_minor"], 50_000);
    assert_eq!(reply.body["currency"], "USD");
    // AND registering the same contract again changes nothing and answers the same
    let again = api
        .call(
            "PUT",
            CONTRACT,
            SERVICE,
            Some(&Api::contract_body(Some(ended()))),
        )
        .await;
    assert_eq!(again, reply);
}

#[tokio::test]
async fn an_active_contract_is_registered_and_later_ended() {
    let api = Api::new();
    let active = api
        .call("PUT", CONTRACT, SERVICE, Some(&Api::contract_body(None)))
        .await;
    assert_eq!(active.status, 200);
    assert_eq!(active.body["ended_at"], serde_json::Value::Null);
    let ended = api
        .call(
            "PUT",
            CONTRACT,
            SERVICE,
            Some(&Api::contract_body(Some(ended()))),
        )
        .await;
    assert_eq!(ended.status, 200);
    assert_eq!(ended.body["ended_at"], "2026-10-28T00:00:00Z");
}

#[tokio::test]
async fn nobody_but_the_service_registers_contracts() {
    let api = Api::new();
    for caller in [
        CLIENT,
        FREELANCER,
        REVIEWER,
        Some(("cl-ada", "[client freelancer reviewer]")),
    ] {
        let reply = api
            .call(
                "PUT",
                CONTRACT,
                caller,
                Some(&Api::contract_body(Some(ended()))),
            )
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    // Nothing was stored: the client cannot leave feedback on a contract that does not exist.
    assert_eq!(
        api.submit(CLIENT, &body::negative_feedback()).await.status,
        404
    );
}

#[tokio::test]
async fn a_registration_without_claims_is_401_unauthenticated() {
    let api = Api::new();
    let reply = api
        .call(
            "PUT",
            CONTRACT,
            None,
            Some(&Api::contract_body(Some(ended()))),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (401, "unauthenticated"));
}

#[tokio::test]
async fn the_parties_of_a_registered_contract_cannot_change() {
    let api = Api::with_ended_contract().await;
    let other_client = body::contract("cl-cy", "fl-bo", day(270), Some(ended()));
    let reply = api
        .call("PUT", CONTRACT, SERVICE, Some(&other_client))
        .await;
    assert_eq!((reply.status, reply.code()), (409, "conflict"));
}

#[tokio::test]
async fn the_end_of_a_contract_with_feedback_cannot_move() {
    let api = Api::with_client_feedback().await;
    let moved = Api::contract_body(Some(ended() + Duration::days(3)));
    let reply = api.call("PUT", CONTRACT, SERVICE, Some(&moved)).await;
    assert_eq!((reply.status, reply.code()), (409, "conflict"));
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot change")
    );
}

#[tokio::test]
async fn a_contract_that_ends_before_it_starts_is_400_naming_ended_at() {
    let api = Api::new();
    let backwards = body::contract("cl-ada", "fl-bo", ended(), Some(day(270)));
    let reply = api.call("PUT", CONTRACT, SERVICE, Some(&backwards)).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_field"));
    assert_eq!(reply.body["error"]["details"]["field"], "ended_at");
}

#[tokio::test]
async fn a_registration_that_is_not_json_is_400_invalid_json() {
    let api = Api::new();
    let reply = api
        .call("PUT", CONTRACT, SERVICE, Some(r#"{"client_id": "cl-ada""#))
        .await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_json"));
}
