//! Claims → `Actor`. API Gateway's JWT authorizer has verified the token; the function reads the
//! claims it hands over in `requestContext.authorizer.jwt.claims`. Identity comes from there only.

use crate::error::ApiError;
use lambda_http::{Request, RequestExt};
use standing_domain::{Actor, Role, UserId};
use std::collections::HashMap;

/// The signed-in caller, or 401 `unauthenticated`.
pub fn actor(request: &Request) -> Result<Actor, ApiError> {
    let claims = request
        .request_context_ref()
        .and_then(|context| context.authorizer())
        .and_then(|authorizer| authorizer.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or(ApiError::Unauthenticated(
            "this route needs a signed-in caller: send `Authorization: Bearer <JWT>`",
        ))?;
    actor_from_claims(claims)
}

/// The caller named by verified claims: `sub` is the user id, `roles` the roles.
pub fn actor_from_claims(claims: &HashMap<String, String>) -> Result<Actor, ApiError> {
    let sub = claims.get("sub").ok_or(ApiError::Unauthenticated(
        "the token names no caller (no `sub` claim); sign in again",
    ))?;
    let user_id = UserId::parse(sub.as_str()).map_err(|_| {
        ApiError::Unauthenticated("the token's `sub` is not a valid user id; sign in again")
    })?;
    let roles = claims
        .get("roles")
        .map(|r| parse_roles(r))
        .unwrap_or_default();
    Ok(Actor::new(user_id, roles))
}

/// Reads the `roles` claim in the forms it arrives in: API Gateway flattens an array claim to
/// `"[client reviewer]"`; a token may also carry a JSON array string or a single role. Words
/// that name no role are ignored: a token may carry roles of other systems.
pub fn parse_roles(raw: &str) -> Vec<Role> {
    let words: Vec<String> = match serde_json::from_str::<Vec<String>>(raw) {
        Ok(list) => list,
        Err(_) => raw
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches('"').to_owned())
            .filter(|w| !w.is_empty())
            .collect(),
    };
    words
        .iter()
        .filter_map(|word| Role::ALL.iter().copied().find(|r| r.as_str() == word))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_aws_flattened_array_form_gives_every_role() {
        assert_eq!(
            parse_roles("[client reviewer]"),
            vec![Role::Client, Role::Reviewer]
        );
    }

    #[test]
    fn a_json_array_string_and_a_single_role_are_accepted_too() {
        assert_eq!(
            parse_roles(r#"["freelancer","service"]"#),
            vec![Role::Freelancer, Role::Service]
        );
        assert_eq!(parse_roles("reviewer"), vec![Role::Reviewer]);
        assert_eq!(
            parse_roles("[client, freelancer]"),
            vec![Role::Client, Role::Freelancer]
        );
    }

    #[test]
    fn unknown_roles_are_ignored_and_an_empty_claim_gives_none() {
        assert_eq!(parse_roles("[admin client]"), vec![Role::Client]);
        assert_eq!(parse_roles("[]"), vec![]);
        assert_eq!(parse_roles(""), vec![]);
    }

    #[test]
    fn sub_becomes_the_user_id_and_roles_are_deduplicated() {
        let actor = actor_from_claims(&claims(&[
            ("sub", "fl-1"),
            ("roles", "[freelancer freelancer]"),
        ]))
        .unwrap();
        assert_eq!(actor.user_id.as_str(), "fl-1");
        assert_eq!(actor.roles, vec![Role::Freelancer]);
    }

    #[test]
    fn a_caller_without_roles_is_signed_in_with_none() {
        let actor = actor_from_claims(&claims(&[("sub", "u-1")])).unwrap();
        assert!(actor.roles.is_empty());
    }

    #[test]
    fn claims_without_sub_or_with_a_malformed_sub_are_unauthenticated() {
        let no_sub = actor_from_claims(&claims(&[("roles", "[client]")])).unwrap_err();
        assert_eq!(no_sub.code(), "unauthenticated");
        assert_eq!(no_sub.status(), 401);
        let bad_sub = actor_from_claims(&claims(&[("sub", "a#b")])).unwrap_err();
        assert_eq!(bad_sub.code(), "unauthenticated");
    }

    #[test]
    fn a_request_without_an_authorizer_context_is_unauthenticated() {
        let request = Request::new(lambda_http::Body::Empty);
        assert_eq!(actor(&request).unwrap_err().code(), "unauthenticated");
    }
}
