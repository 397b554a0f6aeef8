//! Who calls: a user id with roles, and the token `standing token` mints for them.

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};
use standing_local::jwt::{self, Secret};

use super::binary::binary;
use super::process::run;

/// The secret every stack of this suite signs with.
pub const SECRET: &str = "e2e-secret-of-the-standing-suite";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub token: String,
}

impl Caller {
    /// `id` with `roles`, signed by the stack's own `standing token` command.
    pub fn new(id: &str, roles: &[&str]) -> Caller {
        Caller {
            id: id.to_owned(),
            token: token(id, roles),
        }
    }

    /// The marketplace's back end.
    pub fn service() -> Caller {
        Caller::new("marketplace", &["service"])
    }

    pub fn client(id: &str) -> Caller {
        Caller::new(id, &["client"])
    }

    pub fn freelancer(id: &str) -> Caller {
        Caller::new(id, &["freelancer"])
    }

    pub fn reviewer(id: &str) -> Caller {
        Caller::new(id, &["reviewer"])
    }
}

/// Tokens live a day; one per (user, roles) is minted per test process.
fn token(sub: &str, roles: &[&str]) -> String {
    static MINTED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let key = format!("{sub} {}", roles.join(" "));
    let minted = MINTED.get_or_init(Mutex::default);
    if let Some(token) = minted.lock().unwrap().get(&key) {
        return token.clone();
    }
    let mut command = Command::new(binary());
    command.args(["token", "--sub", sub]);
    for role in roles {
        command.args(["--role", role]);
    }
    let out = run(
        command.env("STANDING_JWT_SECRET", SECRET),
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "`standing token --sub {sub}` failed: {}",
        out.stderr
    );
    let token = out.stdout.trim().to_owned();
    assert!(!token.is_empty(), "`standing token` printed no token");
    minted.lock().unwrap().insert(key, token.clone());
    token
}

/// A token `standing token` would never mint: the claims it mints for `sub` with no roles (HS256,
/// the suite's secret, an hour to live), changed by `edit` before they are signed.
pub fn token_with(sub: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut claims = jwt::local_claims(sub, &[], chrono::Utc::now(), 3600);
    edit(&mut claims);
    let secret = Secret::new(SECRET).expect("the suite's secret is long enough");
    jwt::sign(&claims, &secret)
}
