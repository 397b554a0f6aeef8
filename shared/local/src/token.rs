//! `standing token`: a token for the local stack, signed with `STANDING_JWT_SECRET`.

use crate::cli::TokenOptions;
use crate::jwt::{self, SECRET_ENV, Secret};

/// The token for `options`, or a sentence saying why there is none.
pub fn run(options: &TokenOptions) -> Result<String, String> {
    let secret = Secret::from_env()?.ok_or_else(|| {
        format!(
            "{SECRET_ENV} is not set: set it to the secret the stack signs with (`standing serve` prints one when it makes its own)"
        )
    })?;
    let claims = jwt::local_claims(
        &options.sub,
        &options.roles,
        chrono::Utc::now(),
        options.ttl_secs,
    );
    jwt::try_sign(&claims, &secret)
}
