//! `standing export-statements`: the statements of reasons decided since a moment, in the EU
//! DSA Transparency Database's schema, as JSON Lines of batches of at most 100 — each line a
//! body for the database's batch endpoint (`POST /api/v1/statements`, `{"statements": [...]}`).
//! Read-only, from either engine.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::paging::PageRequest;
use standing_domain::ports::TransparencyStore;
use standing_lambda::transparency::{Statement, statement_of};

use crate::lab::StoreOptions;

/// The database's batch endpoint takes at most 100 statements a call.
pub const BATCH: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub since: Option<DateTime<Utc>>,
    pub store: StoreOptions,
}

#[derive(Serialize)]
struct Batch<'a> {
    statements: &'a [Statement],
}

/// Writes every batch to `out`, one line each; answers how many statements in how many batches.
pub async fn export(
    store: &impl TransparencyStore,
    since: Option<DateTime<Utc>>,
    out: &mut impl Write,
) -> Result<(usize, usize), String> {
    let (mut statements, mut batches) = (0, 0);
    let mut request = Some(PageRequest::first(BATCH));
    while let Some(page_request) = request {
        let page = store
            .stated_reasons(since, &page_request)
            .await
            .map_err(|e| format!("cannot read the statements: {e}"))?;
        request = page_request.next(&page);
        let batch: Vec<Statement> = page
            .items
            .iter()
            .filter_map(|stated| statement_of(&stated.sanction))
            .collect();
        if batch.is_empty() {
            continue;
        }
        let line = serde_json::to_string(&Batch { statements: &batch })
            .map_err(|e| format!("cannot write JSON: {e}"))?;
        writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))?;
        statements += batch.len();
        batches += 1;
    }
    out.flush().map_err(|e| format!("cannot write: {e}"))?;
    Ok((statements, batches))
}

/// `standing export-statements`: the batches on standard output, the count on standard error.
pub async fn run(options: &ExportOptions) -> Result<String, String> {
    let store = crate::lab::repository(&options.store).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (statements, batches) = export(&store, options.since, &mut out).await?;
    Ok(format!(
        "export-statements: {statements} statements in {batches} batches of at most {BATCH}"
    ))
}
