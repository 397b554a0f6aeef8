//! Table-driven routing on the contract's paths: each function lists its routes once
//! (`Route::new(Method::POST, "/contracts/{contract_id}/feedback", Op::Submit)`) and gets back
//! its own operation with typed path parameters, or 404 / 405 with `Allow`.
//!
//! Routing reads the raw path rather than API Gateway's `routeKey` and `pathParameters`, so the
//! local stack only has to hand over the path, exactly as a client sent it.

use crate::error::ApiError;
use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::fmt::Display;
use std::str::FromStr;

/// One route of the contract: a method, a path template with `{name}` segments, and what the
/// function does for it.
#[derive(Debug, Clone)]
pub struct Route<H> {
    pub method: Method,
    pub template: &'static str,
    pub handler: H,
}

impl<H> Route<H> {
    pub const fn new(method: Method, template: &'static str, handler: H) -> Self {
        Self {
            method,
            template,
            handler,
        }
    }
}

/// The `{name}` segments of a matched path, percent-decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(Vec<(&'static str, String)>);

impl PathParams {
    /// The parameter parsed into its domain type (`ContractId`, `UserId`, …); a malformed value
    /// is 400 `invalid_field` naming the parameter.
    pub fn get<T>(&self, name: &str) -> Result<T, ApiError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self
            .0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ApiError::invalid_field(name, "is missing from the path"))?;
        raw.parse()
            .map_err(|e: T::Err| ApiError::invalid_field(name, e))
    }

    /// The raw (decoded) value.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Finds the request's route: its handler and path parameters, 404 `not_found` when no
/// template matches the path, 405 `method_not_allowed` (with the allowed methods) when one
/// matches with another method.
pub fn route<'r, H>(
    routes: &'r [Route<H>],
    request: &Request,
) -> Result<(&'r H, PathParams), ApiError> {
    match_route(routes, request.method(), &request_path(request))
}

/// [`route`] on a method and a path.
pub fn match_route<'r, H>(
    routes: &'r [Route<H>],
    method: &Method,
    path: &str,
) -> Result<(&'r H, PathParams), ApiError> {
    let mut allow: Vec<Method> = Vec::new();
    for route in routes {
        let Some(params) = capture(route.template, path) else {
            continue;
        };
        if route.method == *method {
            return Ok((&route.handler, params));
        }
        if !allow.contains(&route.method) {
            allow.push(route.method.clone());
        }
    }
    if allow.is_empty() {
        Err(ApiError::NotFound {
            method: method.clone(),
            path: path.to_owned(),
        })
    } else {
        Err(ApiError::MethodNotAllowed {
            method: method.clone(),
            path: path.to_owned(),
            allow,
        })
    }
}

/// The path the client asked for: API Gateway's raw path (the URI's path for a request built
/// by hand), without the stage prefix a named stage adds.
pub fn request_path(request: &Request) -> String {
    let raw = match request.raw_http_path() {
        "" => request.uri().path(),
        raw => raw,
    };
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
        _ => None,
    };
    match stage {
        Some(stage) if stage != "$default" && !stage.is_empty() => raw
            .strip_prefix('/')
            .and_then(|rest| rest.strip_prefix(stage))
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or(raw)
            .to_owned(),
        _ => raw.to_owned(),
    }
}

fn capture(template: &'static str, path: &str) -> Option<PathParams> {
    let template = template.strip_prefix('/')?;
    let path = path.strip_prefix('/')?;
    let mut expected = template.split('/');
    let mut actual = path.split('/');
    let mut params = Vec::new();
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return Some(PathParams(params)),
            (Some(want), Some(got)) => {
                match want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(_) if got.is_empty() => return None,
                    Some(name) => params.push((name, percent_decode(got))),
                    None if want == got => {}
                    None => return None,
                }
            }
            _ => return None,
        }
    }
}

/// Decodes `%XX` escapes; a malformed escape is kept as written (the id parser then refuses it).
fn percent_decode(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_owned();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_domain::ContractId;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Op {
        Put,
        Submit,
        View,
        Decide,
    }

    const ROUTES: &[Route<Op>] = &[
        Route::new(Method::PUT, "/contracts/{contract_id}", Op::Put),
        Route::new(
            Method::POST,
            "/contracts/{contract_id}/feedback",
            Op::Submit,
        ),
        Route::new(Method::GET, "/contracts/{contract_id}/feedback", Op::View),
        Route::new(
            Method::POST,
            "/feedback-reports/{report_id}/decision",
            Op::Decide,
        ),
    ];

    #[test]
    fn a_path_matching_a_template_and_method_gives_its_operation_and_parameters() {
        let (op, params) = match_route(ROUTES, &Method::GET, "/contracts/c-1/feedback").unwrap();
        assert_eq!(*op, Op::View);
        assert_eq!(params.raw("contract_id"), Some("c-1"));
        let id: ContractId = params.get("contract_id").unwrap();
        assert_eq!(id.as_str(), "c-1");
    }

    #[test]
    fn an_unknown_path_is_404_not_found() {
        for path in [
            "/contracts",
            "/contracts/c-1/feedback/extra",
            "/nothing",
            "",
            "/contracts//feedback",
            "/contracts/c-1/",
        ] {
            let e = match_route(ROUTES, &Method::GET, path).unwrap_err();
            assert_eq!(e.code(), "not_found", "{path}");
            assert_eq!(e.status(), 404);
        }
    }

    #[test]
    fn a_known_path_with_another_method_is_405_listing_the_allowed_methods() {
        let e = match_route(ROUTES, &Method::DELETE, "/contracts/c-1/feedback").unwrap_err();
        assert_eq!(e.code(), "method_not_allowed");
        match e {
            ApiError::MethodNotAllowed { allow, .. } => {
                assert_eq!(allow, vec![Method::POST, Method::GET])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_path_parameter_is_an_invalid_field_named_after_the_parameter() {
        let (_, params) = match_route(ROUTES, &Method::PUT, "/contracts/a%23b").unwrap();
        assert_eq!(params.raw("contract_id"), Some("a#b"));
        let e = params.get::<ContractId>("contract_id").unwrap_err();
        assert_eq!(e.code(), "invalid_field");
        assert_eq!(e.details()["field"], "contract_id");
    }

    #[test]
    fn percent_escapes_are_decoded_and_malformed_ones_kept() {
        assert_eq!(percent_decode("ap%3A1"), "ap:1");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("%FF"), "%FF");
    }

    #[test]
    fn a_request_built_by_hand_is_routed_on_its_uri_path() {
        let mut request = Request::new(lambda_http::Body::Empty);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = "https://api.example.com/feedback-reports/rp_1/decision"
            .parse()
            .unwrap();
        let (op, params) = route(ROUTES, &request).unwrap();
        assert_eq!(*op, Op::Decide);
        assert_eq!(params.raw("report_id"), Some("rp_1"));
    }
}
