//! The policy lab's command-line half: `standing import` (a marketplace's history into either
//! engine), `standing generate` (a synthetic history) and `standing simulate` (the stored
//! history judged under the live policy and a candidate). The HTTP half (versions, shadow,
//! live switch) is in the functions.

pub mod facts;
pub mod generate;
pub mod import;
pub mod simulate;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

use chrono::{Days, NaiveDate, Utc};
use standing_domain::PolicyConfig;
use standing_store::EmbeddedOptions;

use crate::cli::ServeOptions;
use crate::serve::{Source, load_policy, open_store};

/// Where a lab command reads and writes: the same flags as `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    pub data: PathBuf,
    pub dynamodb_endpoint: Option<String>,
    pub table: String,
}

impl StoreOptions {
    fn as_serve(&self) -> Result<ServeOptions, String> {
        Ok(ServeOptions {
            addr: crate::cli::DEFAULT_ADDR
                .parse()
                .map_err(|_| "the default address is invalid".to_owned())?,
            data: self.data.clone(),
            dynamodb_endpoint: self.dynamodb_endpoint.clone(),
            table: self.table.clone(),
            policy: None,
            dev_clock: false,
            max_connections: crate::cli::DEFAULT_MAX_CONNECTIONS,
            rollout_page: crate::cli::DEFAULT_ROLLOUT_PAGE,
            webhook: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// A path, or `-` for standard input.
    pub file: String,
    pub store: StoreOptions,
    /// Seeds the first live policy of a table that has none, as `serve --policy` does.
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulateOptions {
    pub candidate: PathBuf,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub store: StoreOptions,
    pub json: bool,
}

/// The repository on the chosen store, and the embedded engine when it is one.
async fn open(
    store: &StoreOptions,
) -> Result<
    (
        standing_store::Repository,
        Option<standing_store::EmbeddedEngine>,
    ),
    String,
> {
    std::fs::create_dir_all(&store.data)
        .map_err(|e| format!("cannot create {}: {e}", store.data.display()))?;
    let region = EmbeddedOptions::default().region;
    let (repository, source, _) = open_store(&store.as_serve()?, &region).await?;
    let engine = match source {
        Source::Embedded(engine) => Some(engine),
        Source::DynamoDb { .. } => None,
    };
    Ok((repository, engine))
}

pub(crate) async fn repository(store: &StoreOptions) -> Result<standing_store::Repository, String> {
    Ok(open(store).await?.0)
}

/// `standing import`: prints the summary; fails (exit 1) when any line was refused.
pub async fn run_import(options: &ImportOptions) -> Result<String, String> {
    let configured = load_policy(options.policy.as_deref())?;
    let (store, engine) = open(&options.store).await?;
    let input: Box<dyn BufRead> = if options.file == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(&options.file)
            .map_err(|e| format!("cannot open {}: {e}", options.file))?;
        Box::new(BufReader::new(file))
    };
    // The embedded engine commits without waiting for the disk during the import, and once,
    // durably, at its end (a crash meanwhile loses the import's tail; it is re-run).
    if let Some(engine) = &engine {
        engine
            .set_bulk(true)
            .map_err(|e| format!("cannot start the import: {e}"))?;
    }
    let imported = import::import(&store, &configured, input, true).await;
    if let Some(engine) = &engine {
        engine
            .set_bulk(false)
            .map_err(|e| format!("cannot put the import on disk: {e}"))?;
    }
    let summary = imported?;
    let mut text = format!(
        "import: {} lines: {} written, {} already there, {} refused; {} freelancers evaluated; {:.1} s ({:.0} lines/s)",
        summary.lines,
        summary.written,
        summary.already_there,
        summary.refused.len(),
        summary.evaluated,
        summary.seconds,
        summary.lines_per_second()
    );
    for refused in &summary.refused {
        text.push_str(&format!("\nline {}: {}", refused.line, refused.reason));
    }
    if summary.refused.is_empty() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// `standing generate`: writes the history to standard output.
pub fn run_generate(options: &generate::GenerateOptions) -> Result<(), String> {
    let lines = generate::generate(options);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in lines {
        writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot write: {e}"))
}

/// `standing simulate`: the table (or with `--json`, the whole result as one object).
pub async fn run_simulate(options: &SimulateOptions) -> Result<String, String> {
    let text = std::fs::read_to_string(&options.candidate).map_err(|e| {
        format!(
            "cannot read the candidate policy {}: {e}",
            options.candidate.display()
        )
    })?;
    let candidate = PolicyConfig::from_json(&text).map_err(|e| {
        format!(
            "the candidate policy {} is not valid: {e}",
            options.candidate.display()
        )
    })?;
    let store = repository(&options.store).await?;
    let to = options.to.unwrap_or_else(|| Utc::now().date_naive());
    let from = options
        .from
        .unwrap_or_else(|| to.checked_sub_days(Days::new(365)).unwrap_or(to));
    let result =
        simulate::simulate(&store, &PolicyConfig::default(), &candidate, from, to, true).await?;
    if options.json {
        serde_json::to_string_pretty(&result).map_err(|e| format!("cannot write JSON: {e}"))
    } else {
        Ok(simulate::table(&result))
    }
}
