//! Request parsing: a body read as JSON and then into a command (`crate::command`), and query
//! parameters from closed vocabularies.

use crate::command::FromJson;
use crate::command::json::UniqueKeys;
use crate::error::ApiError;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Request, RequestExt};
use std::borrow::Cow;
use std::fmt::Display;

/// The largest body accepted: far above any command of the contract, far below Lambda's limit.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body as the command `T`: 413 `payload_too_large` over [`MAX_BODY_BYTES`], 400
/// `invalid_json` when it is not UTF-8 JSON or not an object, 400 `invalid_field` naming the
/// path of a missing or malformed field (`public.scores.skills`) as `T`'s reading words it.
pub fn parse_body<T: FromJson>(request: &Request) -> Result<T, ApiError> {
    T::from_json(parse_json(request)?, "")
}

/// Reads the body as a JSON object, of any fields: the checks every body passes before a
/// command is read from it.
pub fn parse_json(request: &Request) -> Result<serde_json::Value, ApiError> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            size: bytes.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ApiError::invalid_json(
            "the request body is not UTF-8 text; send a JSON object",
        ));
    };
    if text.trim().is_empty() {
        return Err(ApiError::invalid_json(
            "the request body is empty; send a JSON object",
        ));
    }
    // Every command is an object: say so before reading the rest.
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::invalid_json(
            "the request body must be a JSON object (`{...}`)",
        ));
    }
    let UniqueKeys(value) = serde_json::from_str(text).map_err(json_error)?;
    Ok(value)
}

/// The request's query parameters: API Gateway's, or for a request built without its extension
/// (a plain http::Request), the URI's.
fn query(request: &Request) -> Cow<'_, QueryMap> {
    match request.query_string_parameters_ref() {
        Some(query) => Cow::Borrowed(query),
        None => Cow::Owned(
            request
                .uri()
                .query()
                .unwrap_or("")
                .parse::<QueryMap>()
                .unwrap_or_default(),
        ),
    }
}

/// The query parameter `name`, which must be one of `choices` (compared by their wire names).
/// When absent, `default` is used, or the parameter is reported as required.
pub fn query_choice<T: Copy + Display>(
    request: &Request,
    name: &str,
    choices: &[T],
    default: Option<T>,
) -> Result<T, ApiError> {
    let expected = || {
        choices
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match query(request).first(name) {
        None => default.ok_or_else(|| {
            ApiError::invalid_field(name, format!("is required: one of {}", expected()))
        }),
        Some(raw) => choices
            .iter()
            .copied()
            .find(|c| c.to_string() == raw)
            .ok_or_else(|| {
                ApiError::invalid_field(
                    name,
                    format!("must be one of {} (got {raw:?})", expected()),
                )
            }),
    }
}

/// The optional query parameter `name` as an RFC 3339 moment (`2026-01-31T00:00:00Z`).
pub fn query_time(
    request: &Request,
    name: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    match query(request).first(name) {
        None => Ok(None),
        Some(raw) => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| {
                ApiError::invalid_field(
                    name,
                    format!("must be an RFC 3339 time such as 2026-01-31T00:00:00Z (got {raw:?})"),
                )
            }),
    }
}

/// The page a list route is asked for: `limit` and `cursor` from the query (api.md, Lists).
pub fn page_request(request: &Request) -> Result<standing_domain::paging::PageRequest, ApiError> {
    let query = query(request);
    Ok(standing_domain::paging::PageRequest::parse(
        query.first("limit"),
        query.first("cursor"),
    )?)
}

/// Where and why the body is not the JSON it must be: not JSON at all, or well-formed JSON that
/// gives a key twice (whose own sentence says so).
fn json_error(e: serde_json::Error) -> ApiError {
    let message = match e.classify() {
        serde_json::error::Category::Data => bare_message(&e),
        _ => format!("the request body is not valid JSON: {}", bare_message(&e)),
    };
    ApiError::InvalidJson {
        message,
        line: (e.line() > 0).then_some(e.line()),
        column: (e.line() > 0).then_some(e.column()),
    }
}

/// serde_json's message without its " at line L column C" suffix (kept apart, in details).
fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Object;
    use chrono::{DateTime, Utc};
    use lambda_http::Body;
    use standing_domain::{Comment, ComplaintCategory, EvidenceText, Scores, UserId};

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Public {
        scores: Scores,
        comment: Comment,
    }

    impl FromJson for Public {
        fn from_json(value: serde_json::Value, at: &str) -> Result<Self, ApiError> {
            let mut o = Object::read(value, at, &["scores", "comment"])?;
            Ok(Public {
                scores: o.required("scores")?,
                comment: o.required("comment")?,
            })
        }
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Command {
        public: Public,
        category: Option<ComplaintCategory>,
        evidence: Vec<EvidenceText>,
        client_id: Option<UserId>,
        started_at: Option<DateTime<Utc>>,
        total_charged_minor: Option<u64>,
    }

    impl FromJson for Command {
        fn from_json(value: serde_json::Value, at: &str) -> Result<Self, ApiError> {
            let accepted = [
                "public",
                "category",
                "evidence",
                "client_id",
                "started_at",
                "total_charged_minor",
            ];
            let mut o = Object::read(value, at, &accepted)?;
            Ok(Command {
                public: o.required("public")?,
                category: o.optional("category")?,
                evidence: o.defaulted("evidence")?,
                client_id: o.optional("client_id")?,
                started_at: o.optional("started_at")?,
                total_charged_minor: o.optional("total_charged_minor")?,
            })
        }
    }

    const SCORES: &str = r#"{"skills":5,"quality":5,"availability":5,"deadlines":5,"communication":5,"cooperation":5}"#;

    fn request(body: impl Into<Body>) -> Request {
        let mut r = Request::new(body.into());
        *r.method_mut() = lambda_http::http::Method::POST;
        r
    }

    fn parse(body: &str) -> Result<Command, ApiError> {
        parse_body(&request(body.to_owned()))
    }

    fn field_error(body: &str) -> (String, String) {
        match parse(body) {
            Err(ApiError::Domain(standing_domain::DomainError::InvalidField {
                field,
                problem,
            })) => (field, problem),
            other => panic!("expected invalid_field, got {other:?}"),
        }
    }

    fn body_with(extra: &str) -> String {
        format!(r#"{{"public":{{"scores":{SCORES},"comment":"fine"}}{extra}}}"#)
    }

    #[test]
    fn a_well_formed_body_parses_into_the_command() {
        let cmd = parse(&body_with(r#","category":"degree""#)).unwrap();
        assert_eq!(cmd.category, Some(ComplaintCategory::Degree));
    }

    #[test]
    fn a_score_out_of_range_names_its_full_path_and_the_range() {
        let body = body_with("").replace(r#""skills":5"#, r#""skills":9"#);
        let (field, problem) = field_error(&body);
        assert_eq!(field, "public.scores.skills");
        assert_eq!(problem, "must be a whole number from 1 to 5 (got 9)");
    }

    #[test]
    fn a_missing_field_is_named_with_its_path_and_said_to_be_required() {
        let (field, problem) = field_error(&format!(r#"{{"public":{{"scores":{SCORES}}}}}"#));
        assert_eq!(field, "public.comment");
        assert_eq!(problem, "is required");
        let (field, _) = field_error("{}");
        assert_eq!(field, "public");
    }

    #[test]
    fn an_unknown_field_is_named_and_the_accepted_ones_listed() {
        let (field, problem) = field_error(&body_with(r#","privat":{}"#));
        assert_eq!(field, "privat");
        assert!(
            problem.starts_with("is not accepted here; expected one of"),
            "{problem}"
        );
        assert!(problem.contains("`public`"), "{problem}");
    }

    #[test]
    fn a_wrong_type_says_what_to_send_instead() {
        let (field, problem) = field_error(&body_with(r#","evidence":"one link""#));
        assert_eq!(field, "evidence");
        assert_eq!(problem, r#"must be an array (got string "one link")"#);
        let (field, problem) = field_error(&body_with(r#","evidence":["a", 7]"#));
        assert_eq!(field, "evidence[1]");
        assert_eq!(problem, "must be a string (got integer `7`)");
        let (field, problem) = field_error(r#"{"public": "nice"}"#);
        assert_eq!(field, "public");
        assert_eq!(problem, r#"must be an object (got string "nice")"#);
    }

    #[test]
    fn a_negative_amount_is_refused_in_words_not_rust_types() {
        let e = parse(&body_with(r#","total_charged_minor": -5"#)).unwrap_err();
        assert_eq!(
            e.message(),
            "`total_charged_minor` must be a whole number from 0 to 18446744073709551615 (got integer `-5`)"
        );
    }

    #[test]
    fn an_unknown_vocabulary_word_lists_the_accepted_words() {
        let (field, problem) = field_error(&body_with(r#","category":"diploma""#));
        assert_eq!(field, "category");
        assert!(
            problem.starts_with("must be one of `job_position`"),
            "{problem}"
        );
        assert!(problem.ends_with("(got `diploma`)"), "{problem}");
    }

    #[test]
    fn a_malformed_id_carries_the_ids_own_rule() {
        let (field, problem) = field_error(&body_with(r#","client_id":"a#b""#));
        assert_eq!(field, "client_id");
        assert!(problem.contains("letters, digits"), "{problem}");
    }

    #[test]
    fn a_malformed_timestamp_says_which_format_to_use() {
        let (field, problem) = field_error(&body_with(r#","started_at":"yesterday""#));
        assert_eq!(field, "started_at");
        assert!(problem.contains("RFC 3339"), "{problem}");
    }

    #[test]
    fn malformed_json_is_invalid_json_with_its_position() {
        match parse(r#"{"public": "#) {
            Err(ApiError::InvalidJson { message, line, .. }) => {
                assert!(
                    message.starts_with("the request body is not valid JSON"),
                    "{message}"
                );
                assert!(!message.contains(" at line "), "{message}");
                assert_eq!(line, Some(1));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&format!("{} trailing", body_with(""))),
            Err(ApiError::InvalidJson { .. })
        ));
    }

    #[test]
    fn a_body_giving_a_field_twice_is_invalid_json_naming_the_field_and_where() {
        match parse(r#"{"public": {}, "public": {}}"#) {
            Err(ApiError::InvalidJson { message, line, .. }) => {
                assert_eq!(
                    message,
                    "the field `public` is given twice; send each field once"
                );
                assert_eq!(line, Some(1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_empty_body_or_one_that_is_not_an_object_is_invalid_json() {
        assert!(matches!(parse(""), Err(ApiError::InvalidJson { .. })));
        assert!(matches!(parse("  \n"), Err(ApiError::InvalidJson { .. })));
        match parse("[1, 2]") {
            Err(ApiError::InvalidJson { message, .. }) => {
                assert!(message.contains("must be a JSON object"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_is_invalid_json() {
        let r = request(vec![b'{', 0xff, b'}']);
        assert!(matches!(
            parse_body::<Command>(&r),
            Err(ApiError::InvalidJson { .. })
        ));
    }

    #[test]
    fn a_body_over_64_kib_is_refused_before_it_is_read() {
        let big = format!(r#"{{"comment":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        match parse(&big) {
            Err(e @ ApiError::PayloadTooLarge { .. }) => assert_eq!(e.status(), 413),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_part_read_on_its_own_reports_paths_under_its_prefix() {
        let value: serde_json::Value =
            serde_json::from_str(&format!(r#"{{"scores":{SCORES}}}"#)).unwrap();
        match Public::from_json(value, "public") {
            Err(ApiError::Domain(standing_domain::DomainError::InvalidField { field, .. })) => {
                assert_eq!(field, "public.comment")
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Status {
        Open,
        Decided,
    }

    impl Display for Status {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                Status::Open => "open",
                Status::Decided => "decided",
            })
        }
    }

    fn with_query(query: &str) -> Request {
        let mut r = Request::new(Body::Empty);
        *r.uri_mut() = format!("https://api.example.com/complaints?{query}")
            .parse()
            .unwrap();
        r
    }

    #[test]
    fn a_query_choice_accepts_its_words_and_names_the_parameter_otherwise() {
        let all = [Status::Open, Status::Decided];
        assert_eq!(
            query_choice(&with_query("status=decided"), "status", &all, None),
            Ok(Status::Decided)
        );
        let missing = query_choice(&with_query(""), "status", &all, None).unwrap_err();
        assert_eq!(missing.details()["field"], "status");
        assert_eq!(
            missing.message(),
            "`status` is required: one of open, decided"
        );
        let bad = query_choice(&with_query("status=closed"), "status", &all, None).unwrap_err();
        assert_eq!(
            bad.message(),
            r#"`status` must be one of open, decided (got "closed")"#
        );
        assert_eq!(
            query_choice(&with_query(""), "status", &all, Some(Status::Open)),
            Ok(Status::Open)
        );
    }
}
