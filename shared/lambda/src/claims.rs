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

/// A claim's value as API Gateway's JWT authorizer hands it to a function: a string as is, an
/// array as `"[a b]"`. An array element that is not a plain word (not a string, or holding
/// whitespace or brackets) cannot be told apart once flattened (`["client reviewer"]` would read
/// as two roles), so it is dropped, and logged.
pub fn flatten_claim(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let words: Vec<&str> = items
                .iter()
                .filter_map(|item| {
                    let word = item.as_str().filter(|w| is_plain_word(w));
                    if word.is_none() {
                        tracing::warn!(element = %item, "a claim's array element is not a plain word; it is dropped");
                    }
                    word
                })
                .collect();
            format!("[{}]", words.join(" "))
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn is_plain_word(word: &str) -> bool {
    !word.is_empty()
        && !word
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"'))
}

/// Reads the `roles` claim. A roles claim is a list of exact role words, and anything else
/// grants no role (api.md): the list as API Gateway hands an array claim to a function,
/// `"[client reviewer]"` (the local stack flattens a token's array the same way). A plain string
/// (`"reviewer"`), a JSON array written inside a string, `"client,reviewer"`, `"[client,
/// reviewer]"` or a nested array is not such a list and grants nothing. Words that name no role
/// are ignored (a token may carry roles of other systems). Both are logged.
pub fn parse_roles(raw: &str) -> Vec<Role> {
    let raw = raw.trim();
    let words = raw
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        // API Gateway's flattening: plain words joined by single spaces, nothing else.
        .filter(|inner| inner.split(' ').all(|w| w.is_empty() || is_plain_word(w)));
    let Some(words) = words else {
        tracing::info!(roles = %raw, "a `roles` claim that is not a list of role words grants nothing");
        return Vec::new();
    };
    words
        .split(' ')
        .filter(|w| !w.is_empty())
        .filter_map(|word| {
            let role = Role::ALL.iter().copied().find(|r| r.as_str() == word);
            if role.is_none() {
                tracing::info!(word = %word, "a `roles` word that names no role grants nothing");
            }
            role
        })
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
    fn a_plain_string_or_a_json_array_inside_a_string_is_not_a_list_and_grants_no_role() {
        assert_eq!(parse_roles(r#"["freelancer","service"]"#), vec![]);
        assert_eq!(parse_roles("reviewer"), vec![]);
        assert_eq!(parse_roles("[reviewer]"), vec![Role::Reviewer]);
    }

    #[test]
    fn only_exact_role_words_count() {
        // Loose spellings grant nothing (issue 11): each of these once made a reviewer.
        for loose in [
            "client,reviewer",
            "[client, reviewer]",
            r#"["client reviewer"]"#,
            r#"[["reviewer"]]"#,
            " reviewer,",
            "[reviewer,]",
        ] {
            assert_eq!(parse_roles(loose), vec![], "{loose}");
        }
        // An array element holding a space is dropped before it is flattened, so it cannot be
        // read as two roles later.
        let flat = flatten_claim(&serde_json::json!([
            "client reviewer",
            "freelancer",
            ["reviewer"]
        ]));
        assert_eq!(flat, "[freelancer]");
        assert_eq!(parse_roles(&flat), vec![Role::Freelancer]);
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
