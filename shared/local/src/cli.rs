//! The command line: `standing serve …`, `standing token …`, `standing help`.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use lexopt::prelude::*;
use standing_domain::{Role, UserId};

pub const USAGE: &str = "\
standing — the whole of Standing on one machine

USAGE:
    standing serve [--addr IP:PORT] [--data DIR] [--dynamodb-endpoint URL] [--table NAME]
                   [--policy FILE] [--dev-clock] [--max-connections N] [--rollout-page N]
                   [--webhook URL]
    standing token --sub USER_ID --role ROLE [--role ROLE ...] [--ttl-secs N]
    standing import FILE|- [--data DIR | --dynamodb-endpoint URL --table NAME]
    standing generate --freelancers N [--days D] [--seed S]
    standing simulate --policy FILE [--from DATE] [--to DATE] [--json]
    standing export-statements [--since TIME] [--data DIR | --dynamodb-endpoint URL --table NAME]
    standing help

serve:
    --addr IP:PORT            where to listen (default 127.0.0.1:8080; port 0 picks a free one)
    --data DIR                the stack's directory: the embedded table, the stream checkpoint,
                              the schedule's and the dev clock's state (default ./.standing)
    --dynamodb-endpoint URL   use the DynamoDB at URL (e.g. DynamoDB Local) instead of the
                              embedded table; the table is created if missing and its stream read
    --table NAME              the table's name (default standing)
    --policy FILE             the rule book's numbers as JSON (default: the rule book's own);
                              it seeds the first live policy version of a table that has none
    --dev-clock               run on a movable clock: POST /_dev/clock and POST /_dev/tick
    --max-connections N       connections served at once; beyond them a new one is closed at
                              once (default 256)
    --rollout-page N          standings a policy rollout re-evaluates between checkpoints
                              (1 to 200, default 100)
    --webhook URL             post every event (standing changes, sanctions, notices, appeal
                              decisions) to this http:// URL, signed per Standard Webhooks with
                              STANDING_WEBHOOK_SECRET (whsec_ and base64), retried until accepted

import FILE|- [--data DIR | --dynamodb-endpoint URL --table NAME] [--policy FILE]
    Writes a marketplace's history (JSON Lines, one fact a line; see the README) through the
    same rules as the API, each fact at its own time; refused lines are listed with their
    numbers and write nothing; running the same file again changes nothing.

generate --freelancers N [--days D] [--seed S] [--start DATE]
    Prints a synthetic history in the import format (default 365 days from 2025-01-01, seed 1);
    the same arguments print the same history.

simulate --policy FILE [--from DATE] [--to DATE] [--data DIR | --dynamodb-endpoint URL
         --table NAME] [--json]
    Judges the stored history day by day under the live policy and the candidate FILE,
    read-only: blocked counts per day, then whom the candidate would newly block or free, and
    from when (default: the last 365 days).

export-statements [--since TIME] [--data DIR | --dynamodb-endpoint URL --table NAME]
    Prints the statements of reasons decided since TIME (RFC 3339; default: all) in the EU DSA
    Transparency Database's schema: JSON Lines, each line {\"statements\": [...]} with at most
    100, a body for the database's batch endpoint. Read-only.

token:
    Prints a token signed with STANDING_JWT_SECRET for the user and roles given.
    --sub USER_ID             the user id (the token's `sub`)
    --role ROLE               client, freelancer, reviewer, service or policy_admin; repeat
                              for several
    --ttl-secs N              how long the token is valid (default 86400, at most 31536000)

Requests need `Authorization: Bearer <token>`. Tokens are HS256, signed with
STANDING_JWT_SECRET; without it `serve` makes a secret for its session and prints it.
";

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA: &str = ".standing";
pub const DEFAULT_TABLE: &str = "standing";
pub const DEFAULT_TTL_SECS: u64 = 86_400;
pub const MAX_TTL_SECS: u64 = 31_536_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve(ServeOptions),
    Token(TokenOptions),
    Import(crate::lab::ImportOptions),
    Generate(crate::lab::generate::GenerateOptions),
    Simulate(crate::lab::SimulateOptions),
    ExportStatements(crate::export::ExportOptions),
    Help,
}

/// Standings a policy rollout re-evaluates between checkpoints unless told otherwise.
pub const DEFAULT_ROLLOUT_PAGE: usize = 100;

/// Connections the local stack serves at once unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub data: PathBuf,
    pub dynamodb_endpoint: Option<String>,
    pub table: String,
    pub policy: Option<PathBuf>,
    pub dev_clock: bool,
    /// Connections served at once; a connection beyond them is closed as soon as it is accepted.
    pub max_connections: usize,
    pub rollout_page: usize,
    /// Where events are posted, when anywhere.
    pub webhook: Option<crate::webhook::Target>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    pub sub: String,
    pub roles: Vec<String>,
    pub ttl_secs: u64,
}

/// Reads the arguments after the program name. Errors are sentences naming the argument.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next().map_err(message)? {
        None | Some(Long("help")) | Some(Short('h')) => return Ok(Command::Help),
        Some(Value(name)) => name.string().map_err(message)?,
        Some(other) => {
            return Err(format!(
                "start with a command (serve, token, import, generate, simulate, export-statements or help), not {}",
                other.unexpected()
            ));
        }
    };
    match command.as_str() {
        "serve" => serve(&mut parser).map(Command::Serve),
        "token" => token(&mut parser).map(Command::Token),
        "import" => import(&mut parser).map(Command::Import),
        "generate" => generate(&mut parser).map(Command::Generate),
        "simulate" => simulate(&mut parser).map(Command::Simulate),
        "export-statements" => export_statements(&mut parser).map(Command::ExportStatements),
        "help" => Ok(Command::Help),
        other => Err(format!(
            "there is no command `{other}`; use serve, token, import, generate, simulate, export-statements or help"
        )),
    }
}

fn serve(parser: &mut lexopt::Parser) -> Result<ServeOptions, String> {
    let mut options = ServeOptions {
        addr: DEFAULT_ADDR
            .parse()
            .map_err(|_| "the default address is invalid".to_owned())?,
        data: PathBuf::from(DEFAULT_DATA),
        dynamodb_endpoint: None,
        table: DEFAULT_TABLE.to_owned(),
        policy: None,
        dev_clock: false,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        rollout_page: DEFAULT_ROLLOUT_PAGE,
        webhook: None,
    };
    while let Some(arg) = parser.next().map_err(message)? {
        match arg {
            Long("addr") => {
                let text = text(parser, "--addr")?;
                options.addr = text.parse().map_err(|_| {
                    format!("--addr must be IP:PORT, like 127.0.0.1:8080 (got `{text}`)")
                })?;
            }
            Long("data") => options.data = PathBuf::from(parser.value().map_err(message)?),
            Long("dynamodb-endpoint") => {
                let url = text(parser, "--dynamodb-endpoint")?;
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!(
                        "--dynamodb-endpoint must be a URL like http://127.0.0.1:8000 (got `{url}`)"
                    ));
                }
                options.dynamodb_endpoint = Some(url);
            }
            Long("table") => {
                let name = text(parser, "--table")?;
                if !is_table_name(&name) {
                    return Err(format!(
                        "--table must be a DynamoDB table name: 3 to 255 letters, digits, `_`, `-` or `.` (got `{name}`)"
                    ));
                }
                options.table = name;
            }
            Long("policy") => {
                options.policy = Some(PathBuf::from(parser.value().map_err(message)?))
            }
            Long("dev-clock") => options.dev_clock = true,
            Long("max-connections") => {
                let text = text(parser, "--max-connections")?;
                options.max_connections = text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=65_536).contains(n))
                    .ok_or_else(|| {
                        format!("--max-connections must be a number from 1 to 65536 (got `{text}`)")
                    })?;
            }
            Long("rollout-page") => {
                let text = text(parser, "--rollout-page")?;
                options.rollout_page = text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| {
                        format!("--rollout-page must be a number from 1 to 200 (got `{text}`)")
                    })?;
            }
            Long("webhook") => {
                let url = text(parser, "--webhook")?;
                options.webhook = Some(crate::webhook::Target::parse(&url)?);
            }
            Long("help") | Short('h') => return Err("see `standing help`".to_owned()),
            other => return Err(format!("serve does not take {}", other.unexpected())),
        }
    }
    Ok(options)
}

fn token(parser: &mut lexopt::Parser) -> Result<TokenOptions, String> {
    let mut sub = None;
    let mut roles: Vec<String> = Vec::new();
    let mut ttl_secs = DEFAULT_TTL_SECS;
    while let Some(arg) = parser.next().map_err(message)? {
        match arg {
            Long("sub") => {
                let id = text(parser, "--sub")?;
                UserId::parse(id.as_str())
                    .map_err(|e| format!("--sub must be a user id: {e} (got `{id}`)"))?;
                sub = Some(id);
            }
            Long("role") => {
                let role = text(parser, "--role")?;
                if !Role::ALL.iter().any(|r| r.as_str() == role) {
                    let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                    return Err(format!(
                        "--role must be one of {} (got `{role}`)",
                        names.join(", ")
                    ));
                }
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            Long("ttl-secs") => {
                let value = text(parser, "--ttl-secs")?;
                ttl_secs = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_TTL_SECS).contains(n))
                    .ok_or_else(|| {
                        format!("--ttl-secs must be a number of seconds from 1 to {MAX_TTL_SECS} (got `{value}`)")
                    })?;
            }
            other => return Err(format!("token does not take {}", other.unexpected())),
        }
    }
    let sub = sub.ok_or("token needs --sub USER_ID: whom the token is for")?;
    if roles.is_empty() {
        return Err(
            "token needs at least one --role (client, freelancer, reviewer, service or policy_admin)".to_owned(),
        );
    }
    Ok(TokenOptions {
        sub,
        roles,
        ttl_secs,
    })
}

/// The store flags the lab commands share with `serve`; `false` when `arg` is not one of them.
fn store_flag(
    parser: &mut lexopt::Parser,
    flag: &str,
    store: &mut crate::lab::StoreOptions,
) -> Result<bool, String> {
    match flag {
        "data" => store.data = PathBuf::from(parser.value().map_err(message)?),
        "dynamodb-endpoint" => {
            let url = text(parser, "--dynamodb-endpoint")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "--dynamodb-endpoint must be a URL like http://127.0.0.1:8000 (got `{url}`)"
                ));
            }
            store.dynamodb_endpoint = Some(url);
        }
        "table" => store.table = text(parser, "--table")?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn default_store() -> crate::lab::StoreOptions {
    crate::lab::StoreOptions {
        data: PathBuf::from(DEFAULT_DATA),
        dynamodb_endpoint: None,
        table: DEFAULT_TABLE.to_owned(),
    }
}

fn import(parser: &mut lexopt::Parser) -> Result<crate::lab::ImportOptions, String> {
    let mut file = None;
    let mut store = default_store();
    let mut policy = None;
    while let Some(arg) = parser.next().map_err(message)? {
        let flag = match arg {
            Long(name) => name.to_owned(),
            Value(path) if file.is_none() => {
                file = Some(
                    path.string()
                        .map_err(|_| "the file's name must be UTF-8".to_owned())?,
                );
                continue;
            }
            other => return Err(format!("import does not take {}", other.unexpected())),
        };
        if store_flag(parser, &flag, &mut store)? {
            continue;
        }
        match flag.as_str() {
            "policy" => policy = Some(PathBuf::from(parser.value().map_err(message)?)),
            _ => return Err(format!("import does not take --{flag}")),
        }
    }
    let file = file.ok_or("import needs a file of JSON Lines, or - for standard input")?;
    Ok(crate::lab::ImportOptions {
        file,
        store,
        policy,
    })
}

fn number(parser: &mut lexopt::Parser, flag: &str, max: u64) -> Result<u64, String> {
    let value = text(parser, flag)?;
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| format!("{flag} must be a whole number from 1 to {max} (got `{value}`)"))
}

fn date(parser: &mut lexopt::Parser, flag: &str) -> Result<chrono::NaiveDate, String> {
    let value = text(parser, flag)?;
    value
        .parse()
        .map_err(|_| format!("{flag} must be a date like 2026-01-31 (got `{value}`)"))
}

fn generate(parser: &mut lexopt::Parser) -> Result<crate::lab::generate::GenerateOptions, String> {
    let mut freelancers = None;
    let mut days = 365;
    let mut seed = 1;
    let mut start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    while let Some(arg) = parser.next().map_err(message)? {
        match arg {
            Long("freelancers") => freelancers = Some(number(parser, "--freelancers", 10_000_000)?),
            Long("days") => days = number(parser, "--days", 3_650)?,
            Long("seed") => {
                let value = text(parser, "--seed")?;
                seed = value
                    .parse()
                    .map_err(|_| format!("--seed must be a whole number (got `{value}`)"))?;
            }
            Long("start") => start = date(parser, "--start")?,
            other => return Err(format!("generate does not take {}", other.unexpected())),
        }
    }
    Ok(crate::lab::generate::GenerateOptions {
        freelancers: freelancers.ok_or("generate needs --freelancers N")?,
        days,
        seed,
        start: start.and_time(chrono::NaiveTime::MIN).and_utc(),
    })
}

fn simulate(parser: &mut lexopt::Parser) -> Result<crate::lab::SimulateOptions, String> {
    let mut candidate = None;
    let mut store = default_store();
    let (mut from, mut to, mut json) = (None, None, false);
    while let Some(arg) = parser.next().map_err(message)? {
        let flag = match arg {
            Long(name) => name.to_owned(),
            other => return Err(format!("simulate does not take {}", other.unexpected())),
        };
        if store_flag(parser, &flag, &mut store)? {
            continue;
        }
        match flag.as_str() {
            "policy" => candidate = Some(PathBuf::from(parser.value().map_err(message)?)),
            "from" => from = Some(date(parser, "--from")?),
            "to" => to = Some(date(parser, "--to")?),
            "json" => json = true,
            _ => return Err(format!("simulate does not take --{flag}")),
        }
    }
    Ok(crate::lab::SimulateOptions {
        candidate: candidate.ok_or("simulate needs --policy FILE: the candidate policy")?,
        from,
        to,
        store,
        json,
    })
}

fn export_statements(parser: &mut lexopt::Parser) -> Result<crate::export::ExportOptions, String> {
    let mut store = default_store();
    let mut since = None;
    while let Some(arg) = parser.next().map_err(message)? {
        let flag = match arg {
            Long(name) => name.to_owned(),
            other => {
                return Err(format!(
                    "export-statements does not take {}",
                    other.unexpected()
                ));
            }
        };
        if store_flag(parser, &flag, &mut store)? {
            continue;
        }
        match flag.as_str() {
            "since" => {
                let value = text(parser, "--since")?;
                let time = chrono::DateTime::parse_from_rfc3339(&value).map_err(|_| {
                    format!(
                        "--since must be an RFC 3339 time like 2026-01-31T00:00:00Z (got `{value}`)"
                    )
                })?;
                since = Some(time.to_utc());
            }
            _ => return Err(format!("export-statements does not take --{flag}")),
        }
    }
    Ok(crate::export::ExportOptions { since, store })
}

fn text(parser: &mut lexopt::Parser, flag: &str) -> Result<String, String> {
    parser
        .value()
        .map_err(message)?
        .into_string()
        .map_err(|_| format!("{flag} must be UTF-8 text"))
}

fn message(error: lexopt::Error) -> String {
    error.to_string()
}

fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn serve_without_flags_listens_on_loopback_with_the_embedded_store() {
        let Command::Serve(o) = parse_str(&["serve"]).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(o.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(o.data, PathBuf::from(".standing"));
        assert_eq!(o.dynamodb_endpoint, None);
        assert_eq!(o.table, "standing");
        assert!(!o.dev_clock);
    }

    #[test]
    fn serve_reads_every_flag_in_both_spellings() {
        let Command::Serve(o) = parse_str(&[
            "serve",
            "--addr=127.0.0.1:0",
            "--data",
            "/tmp/x",
            "--dynamodb-endpoint",
            "http://127.0.0.1:8000",
            "--table",
            "standing-dev",
            "--policy",
            "p.json",
            "--dev-clock",
        ])
        .unwrap() else {
            panic!("not serve")
        };
        assert_eq!(o.addr.port(), 0);
        assert_eq!(o.data, PathBuf::from("/tmp/x"));
        assert_eq!(
            o.dynamodb_endpoint.as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(o.table, "standing-dev");
        assert_eq!(o.policy, Some(PathBuf::from("p.json")));
        assert!(o.dev_clock);
    }

    #[test]
    fn wrong_serve_arguments_are_refused_with_a_sentence_naming_them() {
        for (args, says) in [
            (
                &["serve", "--addr", "localhost"][..],
                "--addr must be IP:PORT",
            ),
            (&["serve", "--table", "a b"][..], "--table must be"),
            (
                &["serve", "--dynamodb-endpoint", "ddb:8000"][..],
                "must be a URL",
            ),
            (&["serve", "--verbose"][..], "--verbose"),
            (&["serve", "--addr"][..], "--addr"),
            (&["launch"][..], "no command `launch`"),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }

    #[test]
    fn token_takes_a_user_roles_and_a_lifetime() {
        let Command::Token(o) = parse_str(&[
            "token",
            "--sub",
            "fl-1",
            "--role",
            "freelancer",
            "--role",
            "reviewer",
            "--role",
            "reviewer",
            "--ttl-secs",
            "60",
        ])
        .unwrap() else {
            panic!("not token")
        };
        assert_eq!(o.sub, "fl-1");
        assert_eq!(o.roles, vec!["freelancer", "reviewer"]);
        assert_eq!(o.ttl_secs, 60);
    }

    #[test]
    fn a_token_needs_a_valid_user_a_known_role_and_a_sane_lifetime() {
        for (args, says) in [
            (&["token", "--role", "client"][..], "needs --sub"),
            (&["token", "--sub", "c1"][..], "at least one --role"),
            (
                &["token", "--sub", "c1", "--role", "admin"][..],
                "--role must be one of",
            ),
            (
                &["token", "--sub", "a#b", "--role", "client"][..],
                "--sub must be a user id",
            ),
            (
                &[
                    "token",
                    "--sub",
                    "c1",
                    "--role",
                    "client",
                    "--ttl-secs",
                    "0",
                ][..],
                "--ttl-secs",
            ),
            (
                &[
                    "token",
                    "--sub",
                    "c1",
                    "--role",
                    "client",
                    "--ttl-secs",
                    "x",
                ][..],
                "--ttl-secs",
            ),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }

    #[test]
    fn no_arguments_or_help_asks_for_the_usage() {
        assert_eq!(parse_str(&[]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["help"]).unwrap(), Command::Help);
    }
}
