//! `standing token`: a token for the local stack, signed with `STANDING_JWT_SECRET`.

use chrono::{DateTime, Utc};

use crate::cli::TokenOptions;
use crate::jwt::{self, SECRET_ENV, Secret};

/// The token for `options`, or a sentence saying why there is none.
pub fn run(options: &TokenOptions) -> Result<String, String> {
    let secret = Secret::from_env()?.ok_or_else(|| {
        format!(
            "{SECRET_ENV} is not set: set it to the secret the stack signs with (`standing serve` prints one when it makes its own)"
        )
    })?;
    mint(options, &secret, Utc::now())
}

/// The token for `options`, signed with `secret` and issued at `now`.
pub fn mint(options: &TokenOptions, secret: &Secret, now: DateTime<Utc>) -> Result<String, String> {
    let claims = jwt::local_claims(&options.sub, &options.roles, now, options.ttl_secs);
    jwt::try_sign(&claims, secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Command};

    #[test]
    fn a_token_minted_by_standing_token_verifies_with_the_same_secret() {
        let Command::Token(options) = cli::parse(
            [
                "token",
                "--sub",
                "fl-1",
                "--role",
                "freelancer",
                "--role",
                "reviewer",
            ]
            .map(std::ffi::OsString::from),
        )
        .unwrap() else {
            panic!("`standing token` was not read as the token command");
        };
        let secret = Secret::new("the-secret-of-the-token-module-unit-tests").unwrap();
        let now: DateTime<Utc> = "2026-11-24T09:00:00Z".parse().unwrap();

        let token = mint(&options, &secret, now).unwrap();

        let claims = jwt::verify(&token, &secret, now).unwrap();
        assert_eq!(claims["sub"], "fl-1");
        assert_eq!(
            claims["roles"],
            serde_json::json!(["freelancer", "reviewer"])
        );
        assert_eq!(claims["iss"], jwt::ISSUER);
        assert_eq!(claims["aud"], jwt::AUDIENCE);
    }
}
