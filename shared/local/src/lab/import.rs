//! `standing import`: a marketplace's history, as facts (see [`super::facts`]), written through
//! the same use cases the HTTP API calls, each on a clock stopped at the fact's own moment, so
//! every line meets the same rules and leaves the same items as if Standing had been running
//! then. A line that is refused writes nothing; the others go on. A fact already stored (the
//! same contract, feedback, report, decision: by the facts' own ids and what they are about) is
//! counted as such and changes nothing, so running the same file again changes nothing. After
//! the last line every freelancer it touched is evaluated as of now.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::model::{Appeal, Complaint, Contract};
use standing_domain::ports::{
    AppealStore, Clock, ComplaintStore, ContractStore, FeedbackStore, PolicyStore, StandingStore,
};
use standing_domain::usecases::contracts::RegisterContract;
use standing_domain::usecases::feedback::{
    ChangePublic, DecideReport, ReportFeedback, SubmitFeedback,
};
use standing_domain::usecases::{appeals, complaints, contracts, feedback, policies, standing};
use standing_domain::{
    Actor, AppealKind, ContractId, Direction, DomainError, PolicyConfig, ReportId, Role, RuleId,
    UserId,
};

use super::facts::{
    AppealDecisionFact, AppealFact, ComplaintDecisionFact, ComplaintFact, ContractFact, Fact,
    FeedbackChangeFact, FeedbackFact, ReportDecisionFact, ReportFact, ResponseFact,
};

/// The time, stopped at one fact's moment.
struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// One refused line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub line: usize,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    pub lines: usize,
    pub written: usize,
    /// Facts the store held already (a re-run): nothing was written for them.
    pub already_there: usize,
    pub refused: Vec<Refused>,
    /// Freelancers evaluated as of now after the last line.
    pub evaluated: usize,
    pub seconds: f64,
}

impl ImportSummary {
    pub fn lines_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.lines as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// What one run keeps between lines.
#[derive(Default)]
struct Run {
    /// Freelancers the history touched: evaluated as of now at the end.
    touched: BTreeSet<UserId>,
    /// Contracts this run registered (a later line for one updates it), with their client and
    /// freelancer as stored once a registration succeeded: a feedback line on one needs no
    /// read of it.
    contracts: HashMap<ContractId, Option<Parties>>,
}

/// A contract's client and freelancer.
#[derive(Clone)]
struct Parties {
    client_id: UserId,
    freelancer_id: UserId,
}

/// What happened to one fact.
enum Outcome {
    Written,
    AlreadyThere,
}

fn actor(id: &UserId, role: Role) -> Actor {
    Actor::new(id.clone(), [role])
}

/// Reads every line of `input` and writes its facts into `store`.
pub async fn import<S, R>(
    store: &S,
    configured: &PolicyConfig,
    input: R,
    progress: bool,
) -> Result<ImportSummary, String>
where
    S: ContractStore + FeedbackStore + ComplaintStore + AppealStore + StandingStore + PolicyStore,
    R: BufRead,
{
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    let mut run = Run::default();
    let mut last_at: Option<DateTime<Utc>> = None;
    let show = progress && std::io::stderr().is_terminal();
    // The live policy, read once: every fact is judged by its numbers.
    let in_force = policies::in_force(store, configured)
        .await
        .map_err(|e| format!("cannot read the policy in force: {e}"))?;
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| format!("cannot read line {number}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        summary.lines += 1;
        let fact = match Fact::parse(&line) {
            Ok(fact) => fact,
            Err(reason) => {
                summary.refused.push(Refused {
                    line: number,
                    reason,
                });
                continue;
            }
        };
        if let Some(previous) = last_at
            && fact.at() < previous
        {
            summary.refused.push(Refused {
                line: number,
                reason: format!(
                    "`at` {} is before the previous fact's {}; a history is imported in the order it happened (sort the file by `at`)",
                    fact.at().to_rfc3339(),
                    previous.to_rfc3339()
                ),
            });
            continue;
        }
        last_at = Some(fact.at());
        match apply(store, &in_force, &fact, &mut run).await {
            Ok(Outcome::Written) => summary.written += 1,
            Ok(Outcome::AlreadyThere) => summary.already_there += 1,
            Err(DomainError::Unavailable(e)) => {
                return Err(format!("line {number}: the store failed: {e}"));
            }
            Err(e) => summary.refused.push(Refused {
                line: number,
                reason: e.to_string(),
            }),
        }
        if show && summary.lines.is_multiple_of(1000) {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rimport: {} lines, {:.0}/s",
                summary.lines,
                summary.lines as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    }
    if show {
        let _ = writeln!(std::io::stderr().lock());
    }
    // Every freelancer the history touched is evaluated as of now, as the stream would have.
    let now = At(Utc::now());
    for freelancer in &run.touched {
        policies::reevaluate(store, &now, &in_force, freelancer)
            .await
            .map_err(|e| format!("evaluating {freelancer} after the import failed: {e}"))?;
        summary.evaluated += 1;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// A fact the store already holds: the write was refused as existing, or is already done.
fn existing(result: Result<(), DomainError>) -> Result<Outcome, DomainError> {
    match result {
        Ok(()) => Ok(Outcome::Written),
        Err(DomainError::AlreadyExists(_)) => Ok(Outcome::AlreadyThere),
        Err(e) => Err(e),
    }
}

async fn contract_of<S: ContractStore>(
    store: &S,
    id: &standing_domain::ContractId,
) -> Result<Contract, DomainError> {
    store
        .get_contract(id)
        .await?
        .map(|v| v.value)
        .ok_or_else(|| DomainError::not_found("contract", id))
}

async fn apply<S>(
    store: &S,
    in_force: &policies::InForce,
    fact: &Fact,
    run: &mut Run,
) -> Result<Outcome, DomainError>
where
    S: ContractStore + FeedbackStore + ComplaintStore + AppealStore + StandingStore + PolicyStore,
{
    let clock = At(fact.at());
    let policy = &in_force.live;
    let service = actor(
        &UserId::parse("marketplace-import").map_err(|e| DomainError::invalid("actor", e))?,
        Role::Service,
    );
    match fact.clone() {
        Fact::Contract(ContractFact {
            contract_id,
            client_id,
            freelancer_id,
            started_at,
            ended_at,
            total_charged_minor,
            currency,
            ..
        }) => {
            // The store's contract wins over a re-run: a contract this run did not register
            // is already there, unless the line ends a contract stored without its end (a run
            // cut short). Within one run, a later line for it (its end) updates it.
            if !run.contracts.contains_key(&contract_id)
                && let Some(stored) = store.get_contract(&contract_id).await?
                && !(stored.value.ended_at.is_none() && ended_at.is_some())
            {
                return Ok(Outcome::AlreadyThere);
            }
            run.contracts.entry(contract_id.clone()).or_insert(None);
            run.touched.insert(freelancer_id.clone());
            let parties = Parties {
                client_id: client_id.clone(),
                freelancer_id: freelancer_id.clone(),
            };
            let cmd = RegisterContract {
                client_id,
                freelancer_id,
                started_at,
                ended_at,
                total_charged_minor,
                currency,
            };
            contracts::register(store, &service, contract_id.clone(), cmd).await?;
            run.contracts.insert(contract_id, Some(parties));
            Ok(Outcome::Written)
        }
        Fact::Feedback(FeedbackFact {
            contract_id,
            by,
            public,
            private,
            ..
        }) => {
            let parties = match run.contracts.get(&contract_id) {
                Some(Some(parties)) => parties.clone(),
                Some(None) | None => {
                    let contract = contract_of(store, &contract_id).await?;
                    Parties {
                        client_id: contract.client_id,
                        freelancer_id: contract.freelancer_id,
                    }
                }
            };
            run.touched.insert(parties.freelancer_id.clone());
            let who = match by {
                Direction::Client => actor(&parties.client_id, Role::Client),
                Direction::Freelancer => actor(&parties.freelancer_id, Role::Freelancer),
            };
            let cmd = SubmitFeedback { public, private };
            existing(
                feedback::submit(store, &clock, policy, &who, &contract_id, cmd)
                    .await
                    .map(|_| ()),
            )
        }
        Fact::FeedbackChange(FeedbackChangeFact {
            contract_id,
            public,
            ..
        }) => {
            let contract = contract_of(store, &contract_id).await?;
            run.touched.insert(contract.freelancer_id.clone());
            let current = store.contract_feedback(&contract).await?.client;
            if current.is_some_and(|f| f.value.current().public == public) {
                return Ok(Outcome::AlreadyThere);
            }
            let client = actor(&contract.client_id, Role::Client);
            let freelancer = actor(&contract.freelancer_id, Role::Freelancer);
            feedback::request_change(store, &clock, &client, &contract_id).await?;
            feedback::consent_change(store, &clock, policy, &freelancer, &contract_id, true)
                .await?;
            let cmd = ChangePublic {
                public: Some(public),
                touches_private: false,
            };
            feedback::apply_change(store, &clock, policy, &client, &contract_id, cmd).await?;
            Ok(Outcome::Written)
        }
        Fact::Response(ResponseFact {
            contract_id, text, ..
        }) => {
            let contract = contract_of(store, &contract_id).await?;
            let current = store.contract_feedback(&contract).await?.client;
            if current.is_some_and(|f| f.value.response.as_ref().is_some_and(|r| r.text == text)) {
                return Ok(Outcome::AlreadyThere);
            }
            let freelancer = actor(&contract.freelancer_id, Role::Freelancer);
            feedback::respond(store, &clock, policy, &freelancer, &contract_id, text).await?;
            Ok(Outcome::Written)
        }
        Fact::Report(ReportFact {
            contract_id,
            reason,
            details,
            ..
        }) => {
            let contract = contract_of(store, &contract_id).await?;
            let current = store.contract_feedback(&contract).await?.client;
            if current.is_some_and(|f| f.value.report.is_some()) {
                return Ok(Outcome::AlreadyThere);
            }
            run.touched.insert(contract.freelancer_id.clone());
            let freelancer = actor(&contract.freelancer_id, Role::Freelancer);
            let cmd = ReportFeedback { reason, details };
            feedback::report(store, &clock, policy, &freelancer, &contract_id, cmd).await?;
            Ok(Outcome::Written)
        }
        Fact::ReportDecision(ReportDecisionFact {
            contract_id,
            reviewer,
            outcome,
            note,
            ..
        }) => {
            let contract = contract_of(store, &contract_id).await?;
            let current = store.contract_feedback(&contract).await?.client;
            let Some(current) = current else {
                return Err(DomainError::not_found(
                    "client feedback on contract",
                    &contract_id,
                ));
            };
            let Some(report) = current.value.report.as_ref() else {
                return Err(DomainError::not_found("report on contract", &contract_id));
            };
            if report.decision.is_some() {
                return Ok(Outcome::AlreadyThere);
            }
            run.touched.insert(contract.freelancer_id.clone());
            let report_id: ReportId = report.report_id.clone();
            let cmd = DecideReport { outcome, note };
            feedback::decide_report(
                store,
                &clock,
                &actor(&reviewer, Role::Reviewer),
                &report_id,
                cmd,
            )
            .await?;
            Ok(Outcome::Written)
        }
        Fact::Complaint(ComplaintFact {
            freelancer_id,
            reporter_id,
            category,
            claim,
            statement,
            evidence,
            ..
        }) => {
            run.touched.insert(freelancer_id.clone());
            let at = fact.at();
            let filed =
                complaints_about(store, &freelancer_id, &reporter_id, category, &claim).await?;
            if filed.iter().any(|c| c.filed_at == at) {
                return Ok(Outcome::AlreadyThere);
            }
            let reporter = actor(&reporter_id, Role::Client);
            let right = complaints::may_file(store, &reporter, &freelancer_id).await?;
            let cmd = complaints::FileComplaint {
                category,
                claim,
                statement,
                evidence,
            };
            complaints::file(store, &clock, policy, right, cmd).await?;
            Ok(Outcome::Written)
        }
        Fact::ComplaintDecision(ComplaintDecisionFact {
            freelancer_id,
            reporter_id,
            category,
            claim,
            reviewer,
            outcome,
            terms_clause,
            note,
            ..
        }) => {
            run.touched.insert(freelancer_id.clone());
            let at = fact.at();
            let filed =
                complaints_about(store, &freelancer_id, &reporter_id, category, &claim).await?;
            if filed
                .iter()
                .any(|c| c.decision.as_ref().is_some_and(|d| d.decided_at == at))
            {
                return Ok(Outcome::AlreadyThere);
            }
            let Some(complaint) = filed.into_iter().find(|c| c.decision.is_none()) else {
                return Err(DomainError::not_found(
                    "open complaint of that reporter on that claim about",
                    &freelancer_id,
                ));
            };
            let right = complaints::may_decide(
                store,
                &actor(&reviewer, Role::Reviewer),
                &complaint.complaint_id,
            )
            .await?;
            let cmd = complaints::DecideComplaint {
                outcome,
                terms_clause,
                note,
            };
            complaints::decide(store, &clock, policy, right, cmd).await?;
            Ok(Outcome::Written)
        }
        Fact::Appeal(AppealFact {
            freelancer_id,
            kind,
            statement,
            ..
        }) => {
            run.touched.insert(freelancer_id.clone());
            let at = fact.at();
            if appeals_of(store, &freelancer_id, kind)
                .await?
                .iter()
                .any(|a| a.filed_at == at)
            {
                return Ok(Outcome::AlreadyThere);
            }
            // The sanction appealed is the one in force then: evaluate as of the appeal.
            let evaluation = standing::reevaluate_since(
                store,
                &clock,
                policy,
                in_force.live_since,
                &[],
                &freelancer_id,
            )
            .await?;
            let sanction = evaluation
                .sanctions
                .iter()
                .filter(|s| {
                    kind == AppealKind::Contest || s.rule == RuleId::QualityMultipleNegative
                })
                .max_by_key(|s| s.started_at)
                .ok_or_else(|| {
                    DomainError::not_found("sanction in force to appeal for", &freelancer_id)
                })?;
            let cmd = appeals::FileAppeal {
                sanction_id: sanction.sanction_id.clone(),
                kind,
                statement,
            };
            appeals::file(
                store,
                &clock,
                policy,
                &actor(&freelancer_id, Role::Freelancer),
                &freelancer_id,
                cmd,
            )
            .await?;
            Ok(Outcome::Written)
        }
        Fact::AppealDecision(AppealDecisionFact {
            freelancer_id,
            kind,
            reviewer,
            outcome,
            note,
            ..
        }) => {
            run.touched.insert(freelancer_id.clone());
            let at = fact.at();
            let filed = appeals_of(store, &freelancer_id, kind).await?;
            if filed
                .iter()
                .any(|a| a.decision.as_ref().is_some_and(|d| d.decided_at == at))
            {
                return Ok(Outcome::AlreadyThere);
            }
            let Some(appeal) = filed.into_iter().find(Appeal::is_pending) else {
                return Err(DomainError::not_found(
                    "pending appeal of that kind by",
                    &freelancer_id,
                ));
            };
            let right =
                appeals::may_decide(store, &actor(&reviewer, Role::Reviewer), &appeal.appeal_id)
                    .await?;
            let cmd = appeals::DecideAppeal { outcome, note };
            appeals::decide(store, &clock, right, cmd).await?;
            Ok(Outcome::Written)
        }
    }
}

/// The reporter's complaints on that claim about the freelancer, oldest first.
async fn complaints_about<S: ComplaintStore>(
    store: &S,
    freelancer: &UserId,
    reporter: &UserId,
    category: standing_domain::ComplaintCategory,
    claim: &standing_domain::ClaimText,
) -> Result<Vec<Complaint>, DomainError> {
    let key = Complaint::claim_key(category, claim);
    let mut found: Vec<Complaint> = store
        .freelancer_complaints(freelancer)
        .await?
        .into_iter()
        .map(|v| v.value)
        .filter(|c| &c.reporter == reporter && Complaint::claim_key(c.category, &c.claim) == key)
        .collect();
    found.sort_by_key(|c| c.filed_at);
    Ok(found)
}

/// The freelancer's appeals of that kind, oldest first.
async fn appeals_of<S: AppealStore>(
    store: &S,
    freelancer: &UserId,
    kind: AppealKind,
) -> Result<Vec<Appeal>, DomainError> {
    let mut found: Vec<Appeal> = store
        .freelancer_appeals(freelancer)
        .await?
        .into_iter()
        .map(|v| v.value)
        .filter(|a| a.kind == kind)
        .collect();
    found.sort_by_key(|a| a.filed_at);
    Ok(found)
}
