//! HS256 JSON Web Tokens: what the local stack accepts in place of API Gateway's JWT authorizer,
//! and what `standing token` mints. Only HS256 is accepted, whatever the header asks for.
//!
//! Signing and checking the signature, `iss` and `aud` are the `jsonwebtoken` crate's. `exp` and
//! `nbf` are checked here, against the time the caller gives: the crate reads the system clock,
//! and the stack's clock can be the dev clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jsonwebtoken::crypto::{CryptoProvider, rust_crypto};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

/// The environment variable holding the signing secret.
pub const SECRET_ENV: &str = "STANDING_JWT_SECRET";

/// What tokens are signed and checked with: the UTF-8 bytes of [`SECRET_ENV`], keyed once.
#[derive(Clone)]
pub struct Secret {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The shortest secret accepted: HS256 with a key shorter than its 32-byte output is guessable.
pub const MIN_SECRET_BYTES: usize = 32;

/// The issuer and audience of the local stack's tokens; a token without both is refused.
pub const ISSUER: &str = "standing-local";
pub const AUDIENCE: &str = "standing";

impl Secret {
    /// A secret of at least [`MIN_SECRET_BYTES`] bytes; `None` for a shorter one.
    pub fn new(secret: impl Into<Vec<u8>>) -> Option<Self> {
        let bytes = secret.into();
        if bytes.len() < MIN_SECRET_BYTES {
            return None;
        }
        // The crate panics on its first use if it cannot tell which backend to use (as when a
        // build enables both); naming ours before any token is signed or checked rules that out.
        // An `Err` says a provider is installed already, which is all that is needed.
        let _ = CryptoProvider::install_default(&rust_crypto::DEFAULT_PROVIDER);
        Some(Self {
            encoding: EncodingKey::from_secret(&bytes).ok()?,
            decoding: DecodingKey::from_secret(&bytes).ok()?,
        })
    }

    /// The secret from [`SECRET_ENV`]: `Ok(None)` when it is not set, an error sentence when it
    /// is set but too short to be safe.
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(SECRET_ENV) {
            Err(_) => Ok(None),
            Ok(text) if text.is_empty() => Ok(None),
            Ok(text) => Self::new(text.clone()).map(Some).ok_or_else(|| {
                format!(
                    "{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes (it has {}); unset it and `standing serve` makes one",
                    text.len()
                )
            }),
        }
    }

    /// A fresh random secret for one session: 32 random bytes as 64 hex digits, so that it can
    /// be pasted into a shell.
    pub fn random() -> std::io::Result<(Self, String)> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| std::io::Error::other(format!("no randomness for a secret: {e}")))?;
        let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let secret = Self::new(text.clone())
            .ok_or_else(|| std::io::Error::other("a random secret could not be keyed"))?;
        Ok((secret, text))
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Missing,
    NotBearer,
    Malformed,
    Algorithm,
    Signature,
    NoExpiry,
    Expired,
    NotYetValid,
    Issuer,
    Audience,
}

impl TokenError {
    /// What the 401 body says: a sentence a person can act on.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::Missing => {
                "this route needs a signed-in caller: send `Authorization: Bearer <JWT>`"
            }
            Self::NotBearer => "the Authorization header must be `Bearer <JWT>`",
            Self::Malformed => "the token is not a JWT (three base64url parts separated by dots)",
            Self::Algorithm => {
                "the token must be signed with HS256; no other algorithm is accepted"
            }
            Self::Signature => {
                "the token's signature does not match this stack's secret; get a new token"
            }
            Self::NoExpiry => "the token has no expiry (`exp`); get a token that expires",
            Self::Expired => "the token has expired; get a new token",
            Self::NotYetValid => "the token is not valid yet (`nbf` is in the future)",
            Self::Issuer => {
                "the token was not issued for the local stack (`iss` must be `standing-local`); get one with `standing token`"
            }
            Self::Audience => {
                "the token is not meant for Standing (`aud` must name `standing`); get one with `standing token`"
            }
        }
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sentence())
    }
}

impl std::error::Error for TokenError {}

/// The claims of a verified token, as JSON.
pub type Claims = Map<String, Value>;

/// Verifies `token` with `secret` at wall time `now`: HS256 only, a matching signature, an
/// `exp` after `now`, an `nbf` (if any) not after `now`, `iss` [`ISSUER`] and `aud` naming
/// [`AUDIENCE`].
pub fn verify(token: &str, secret: &Secret, now: DateTime<Utc>) -> Result<Claims, TokenError> {
    if token.split('.').count() != 3 {
        return Err(TokenError::Malformed);
    }
    // The header is read first so that any other algorithm is named as such, not as a bad
    // signature. `crit` names extensions the verifier must understand; this one understands
    // none (the crate would take `b64`).
    let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        // JSON of the wrong shape: no `alg`, or one the crate does not know (such as `none`).
        ErrorKind::Json(e) if e.classify() == serde_json::error::Category::Data => {
            TokenError::Algorithm
        }
        _ => TokenError::Malformed,
    })?;
    if header.alg != Algorithm::HS256 || header.crit.is_some() {
        return Err(TokenError::Algorithm);
    }
    let claims = jsonwebtoken::decode::<Claims>(token, &secret.decoding, &validation())
        .map_err(|e| refusal(e.kind()))?
        .claims;

    let at = now.timestamp();
    match claims.get("exp").map(numeric_date) {
        None => return Err(TokenError::NoExpiry),
        Some(None) => return Err(TokenError::Malformed),
        Some(Some(exp)) if exp <= at => return Err(TokenError::Expired),
        Some(Some(_)) => {}
    }
    match claims.get("nbf").map(numeric_date) {
        Some(None) => return Err(TokenError::Malformed),
        Some(Some(nbf)) if nbf > at => return Err(TokenError::NotYetValid),
        _ => {}
    }
    // The crate also takes an `iss` that is a list naming the issuer; RFC 7519 has one issuer.
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return Err(TokenError::Issuer);
    }
    Ok(claims)
}

/// What the crate checks: the HS256 signature, `iss` and `aud`, both required. Not `exp` and
/// `nbf`, which [`verify`] checks against the time it is given, with no leeway.
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["iss", "aud"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.validate_aud = true;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    // The crate's default is 60 s; the stack has always allowed none.
    validation.leeway = 0;
    validation
}

/// The refusal for an error of the crate's `decode`, once the header has passed.
fn refusal(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::Signature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => TokenError::Algorithm,
        ErrorKind::InvalidIssuer => TokenError::Issuer,
        ErrorKind::InvalidAudience => TokenError::Audience,
        ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim)
            if claim == "iss" =>
        {
            TokenError::Issuer
        }
        ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim)
            if claim == "aud" =>
        {
            TokenError::Audience
        }
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_)
        | ErrorKind::MissingRequiredClaim(_)
        | ErrorKind::InvalidClaimFormat(_) => TokenError::Malformed,
        // Key and backend errors: nothing about the token can be trusted, and a new token
        // signed with this stack's secret is what the caller needs.
        _ => TokenError::Signature,
    }
}

/// Signs `claims` with HS256, or says why the crate would not.
pub fn try_sign(claims: &Claims, secret: &Secret) -> Result<String, String> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &secret.encoding)
        .map_err(|e| format!("the token could not be signed: {e}"))
}

/// Signs `claims` with HS256. The crate does not fail for an HMAC key and a JSON object; if it
/// ever did, the token is empty, which [`verify`] refuses. [`try_sign`] says why.
pub fn sign(claims: &Claims, secret: &Secret) -> String {
    try_sign(claims, secret).unwrap_or_default()
}

/// The claims `standing token` puts in a token: `sub`, `roles` (a JSON array), `iat`, `exp`,
/// and an issuer and audience naming the local stack.
pub fn local_claims(sub: &str, roles: &[String], now: DateTime<Utc>, ttl_secs: u64) -> Claims {
    let iat = now.timestamp();
    let exp = iat.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
    let Value::Object(claims) = json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "roles": roles,
        "iat": iat,
        "exp": exp,
    }) else {
        return Claims::new();
    };
    claims
}

/// The claims as API Gateway's JWT authorizer hands them to a function: every value a string,
/// an array as `"[a b]"`.
pub fn gateway_claims(claims: &Claims) -> BTreeMap<String, String> {
    claims
        .iter()
        .map(|(name, value)| (name.clone(), standing_lambda::claims::flatten_claim(value)))
        .collect()
}

/// A NumericDate: seconds since the epoch, possibly fractional (truncated).
fn numeric_date(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        _ => None,
    }
}

/// The token of an `Authorization` header value.
pub fn bearer(header: Option<&str>) -> Result<&str, TokenError> {
    let value = header.ok_or(TokenError::Missing)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(TokenError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::NotBearer);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    /// Forged tokens are signed with an HMAC of the tests' own, not the crate's.
    trait TestMac {
        fn mac(&self) -> Hmac<Sha256>;
    }

    impl TestMac for Secret {
        fn mac(&self) -> Hmac<Sha256> {
            Hmac::new_from_slice(self.encoding.as_bytes()).unwrap()
        }
    }

    fn secret() -> Secret {
        Secret::new("test-secret-of-the-jwt-module-unit-tests").unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-24T09:00:00Z".parse().unwrap()
    }

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_token_signed_with_the_secret_verifies_and_keeps_its_claims() {
        let token = sign(
            &local_claims("fl-1", &roles(&["freelancer"]), now(), 60),
            &secret(),
        );
        let claims = verify(&token, &secret(), now()).unwrap();
        assert_eq!(claims["sub"], "fl-1");
        assert_eq!(claims["roles"], json!(["freelancer"]));
    }

    #[test]
    fn another_secret_a_changed_payload_and_a_truncated_token_are_refused() {
        let token = sign(&local_claims("fl-1", &[], now(), 60), &secret());
        let other = Secret::new("another-secret-just-as-long-as-the-first").unwrap();
        assert_eq!(verify(&token, &other, now()), Err(TokenError::Signature));

        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(json!({"sub": "admin", "exp": now().timestamp() + 60}).to_string());
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            verify(&forged, &secret(), now()),
            Err(TokenError::Signature)
        );

        assert_eq!(
            verify(&format!("{}.{}", parts[0], parts[1]), &secret(), now()),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            verify(&format!("{token}.x"), &secret(), now()),
            Err(TokenError::Malformed)
        );
        assert_eq!(verify("", &secret(), now()), Err(TokenError::Malformed));
    }

    #[test]
    fn any_algorithm_but_hs256_is_refused_even_with_a_valid_looking_signature() {
        let claims = local_claims("fl-1", &[], now(), 60);
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512"}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":"HS256","crit":["b64"]}"#,
        ] {
            let header = URL_SAFE_NO_PAD.encode(header);
            let input = format!("{header}.{payload}");
            let mut mac = secret().mac();
            mac.update(input.as_bytes());
            let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
            assert_eq!(
                verify(&format!("{input}.{signature}"), &secret(), now()),
                Err(TokenError::Algorithm)
            );
            assert_eq!(
                verify(&format!("{input}."), &secret(), now()),
                Err(TokenError::Algorithm)
            );
        }
    }

    #[test]
    fn expiry_is_checked_against_the_time_given_and_is_required() {
        let token = sign(&local_claims("fl-1", &[], now(), 60), &secret());
        let later = now() + chrono::Duration::seconds(60);
        assert_eq!(verify(&token, &secret(), later), Err(TokenError::Expired));

        let mut no_exp = local_claims("fl-1", &[], now(), 60);
        no_exp.remove("exp");
        assert_eq!(
            verify(&sign(&no_exp, &secret()), &secret(), now()),
            Err(TokenError::NoExpiry)
        );

        let mut text_exp = local_claims("fl-1", &[], now(), 60);
        text_exp.insert("exp".into(), json!("tomorrow"));
        assert_eq!(
            verify(&sign(&text_exp, &secret()), &secret(), now()),
            Err(TokenError::Malformed)
        );

        let mut future = local_claims("fl-1", &[], now(), 60);
        future.insert("nbf".into(), json!(now().timestamp() + 30));
        assert_eq!(
            verify(&sign(&future, &secret()), &secret(), now()),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn a_token_for_another_issuer_or_audience_is_refused_and_a_short_secret_is_no_secret() {
        for (claim, value, error) in [
            ("iss", json!("https://idp.example"), TokenError::Issuer),
            ("aud", json!("another-app"), TokenError::Audience),
            ("aud", json!(["another-app"]), TokenError::Audience),
        ] {
            let mut claims = local_claims("fl-1", &[], now(), 60);
            claims.insert(claim.into(), value);
            assert_eq!(
                verify(&sign(&claims, &secret()), &secret(), now()),
                Err(error)
            );
        }
        for claim in ["iss", "aud"] {
            let mut claims = local_claims("fl-1", &[], now(), 60);
            claims.remove(claim);
            assert!(
                verify(&sign(&claims, &secret()), &secret(), now()).is_err(),
                "{claim}"
            );
        }
        let mut listed = local_claims("fl-1", &[], now(), 60);
        listed.insert("aud".into(), json!(["other", "standing"]));
        assert!(verify(&sign(&listed, &secret()), &secret(), now()).is_ok());
        assert!(Secret::new("x".repeat(31)).is_none());
        assert!(Secret::new("x".repeat(32)).is_some());
    }

    #[test]
    fn claims_are_rendered_as_api_gateway_renders_them() {
        let claims = local_claims("fl-1", &roles(&["client", "reviewer"]), now(), 60);
        let rendered = gateway_claims(&claims);
        assert_eq!(rendered["roles"], "[client reviewer]");
        assert_eq!(rendered["sub"], "fl-1");
        assert_eq!(rendered["exp"], (now().timestamp() + 60).to_string());
    }

    #[test]
    fn the_bearer_scheme_is_read_case_insensitively_and_anything_else_is_refused() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer(None), Err(TokenError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(TokenError::NotBearer));
        assert_eq!(bearer(Some("Bearer")), Err(TokenError::NotBearer));
        assert_eq!(bearer(Some("Bearer ")), Err(TokenError::NotBearer));
    }

    /// A token signed with the test secret, of `claims` changed by `change`.
    fn signed_with(change: impl FnOnce(&mut Claims)) -> String {
        let mut claims = local_claims("fl-1", &roles(&["freelancer"]), now(), 60);
        change(&mut claims);
        sign(&claims, &secret())
    }

    #[test]
    fn a_token_with_a_wrong_or_missing_issuer_is_refused() {
        for token in [
            signed_with(|c| {
                c.insert("iss".into(), json!("standing"));
            }),
            signed_with(|c| {
                c.insert("iss".into(), json!("Standing-Local"));
            }),
            signed_with(|c| {
                c.insert("iss".into(), json!(["standing-local"]));
            }),
            signed_with(|c| {
                c.insert("iss".into(), json!(7));
            }),
            signed_with(|c| {
                c.remove("iss");
            }),
        ] {
            assert_eq!(
                verify(&token, &secret(), now()),
                Err(TokenError::Issuer),
                "{token}"
            );
        }
    }

    #[test]
    fn a_token_with_a_wrong_or_missing_audience_is_refused() {
        for token in [
            signed_with(|c| {
                c.insert("aud".into(), json!("standing-local"));
            }),
            signed_with(|c| {
                c.insert("aud".into(), json!([]));
            }),
            signed_with(|c| {
                c.insert("aud".into(), json!(7));
            }),
            signed_with(|c| {
                c.insert("aud".into(), Value::Null);
            }),
            signed_with(|c| {
                c.remove("aud");
            }),
        ] {
            assert_eq!(
                verify(&token, &secret(), now()),
                Err(TokenError::Audience),
                "{token}"
            );
        }
    }

    #[test]
    fn a_token_with_alg_none_and_no_signature_is_refused() {
        let payload =
            URL_SAFE_NO_PAD.encode(Value::Object(local_claims("fl-1", &[], now(), 60)).to_string());
        for alg in ["none", "None", "NONE", ""] {
            let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
            assert_eq!(
                verify(&format!("{header}.{payload}."), &secret(), now()),
                Err(TokenError::Algorithm),
                "{alg}"
            );
        }
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = Secret::new("a-second-secret-of-at-least-32-bytes!").unwrap();
        let token = sign(&local_claims("fl-1", &[], now(), 60), &other);
        assert_eq!(verify(&token, &secret(), now()), Err(TokenError::Signature));
        assert!(verify(&token, &other, now()).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused_from_its_expiry_on_with_no_leeway() {
        let token = sign(&local_claims("fl-1", &[], now(), 60), &secret());
        let second = chrono::Duration::seconds(1);
        let expiry = now() + chrono::Duration::seconds(60);
        assert!(verify(&token, &secret(), expiry - second).is_ok());
        for at in [
            expiry,
            expiry + second,
            expiry + chrono::Duration::days(365),
        ] {
            assert_eq!(
                verify(&token, &secret(), at),
                Err(TokenError::Expired),
                "{at}"
            );
        }
        // The time given decides, not the machine's clock: a token long expired by the wall
        // clock verifies at a dev-clock time before its expiry.
        let old = "2001-01-01T00:00:00Z".parse().unwrap();
        let old_token = sign(&local_claims("fl-1", &[], old, 60), &secret());
        assert!(verify(&old_token, &secret(), old).is_ok());
    }

    #[test]
    fn a_token_not_yet_valid_is_refused_until_its_nbf_with_no_leeway() {
        let nbf = now() + chrono::Duration::seconds(30);
        let token = signed_with(|c| {
            c.insert("nbf".into(), json!(nbf.timestamp()));
        });
        let second = chrono::Duration::seconds(1);
        assert_eq!(
            verify(&token, &secret(), nbf - second),
            Err(TokenError::NotYetValid)
        );
        assert!(verify(&token, &secret(), nbf).is_ok());
    }

    #[test]
    fn a_header_that_is_not_json_is_malformed_and_junk_never_panics() {
        let payload =
            URL_SAFE_NO_PAD.encode(Value::Object(local_claims("fl-1", &[], now(), 60)).to_string());
        let header = URL_SAFE_NO_PAD.encode("not json");
        assert_eq!(
            verify(&format!("{header}.{payload}.c2ln"), &secret(), now()),
            Err(TokenError::Malformed)
        );
        let good = sign(&local_claims("fl-1", &[], now(), 60), &secret());
        for junk in [
            "..",
            "a.b.c",
            "%%.%%.%%",
            "\u{0}.\u{0}.\u{0}",
            "e30.e30.",
            "W10.W10.W10",
            &good[..good.len() / 2],
            &good.replace('.', ".."),
        ] {
            assert!(verify(junk, &secret(), now()).is_err(), "{junk}");
        }
    }

    #[test]
    fn a_token_whose_payload_is_not_an_object_is_malformed() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        for payload in ["[1,2]", "\"standing\"", "7", "not json"] {
            let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
            let mut mac = secret().mac();
            mac.update(input.as_bytes());
            let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
            assert_eq!(
                verify(&format!("{input}.{signature}"), &secret(), now()),
                Err(TokenError::Malformed),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_random_secret_is_64_hex_digits_and_differs_each_time() {
        let (_, a) = Secret::random().unwrap();
        let (_, b) = Secret::random().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
