//! The template's two schedules, each fed an EventBridge scheduled event on the stack's clock:
//! process-appeal's daily check at 03:00 UTC (`cron(0 3 * * ? *)`) and evaluate-freelancer's
//! hourly re-evaluation of standings due by time (`rate(1 hour)`). A run the stack was down for,
//! or that the dev clock jumped over, is caught up once. The last run of each is kept in the
//! data directory so that a restart does not run the same slot again. A third rule,
//! `rate(1 minute)` in the template, continues policy rollouts; the stack fires it every second
//! of real time ([`poll_rollouts`]), so a live switch starts at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Days, DurationRound, NaiveTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use standing_domain::ports::Clock;
use tokio::sync::{Mutex, watch};

use crate::clock::StackClock;
use crate::functions::{FunctionError, ScheduleFunction};
use crate::gateway::ACCOUNT_ID;
use crate::{ids, state};

/// The hour of the day (UTC) at which the template's daily schedule fires.
pub const FIRE_HOUR: u32 = 3;
/// How long a failed run waits before it is tried again.
const RETRY: Duration = Duration::from_secs(60);

/// When a schedule fires, and the rule the events claim to come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// process-appeal's daily check, at [`FIRE_HOUR`].
    Daily,
    /// evaluate-freelancer's re-evaluation of standings due by time, on the hour.
    Hourly,
}

impl Cadence {
    fn rule(self) -> &'static str {
        match self {
            Cadence::Daily => "standing-local-daily-check",
            Cadence::Hourly => "standing-local-hourly-reevaluation",
        }
    }

    /// What its runs are called in the log.
    pub fn label(self) -> &'static str {
        match self {
            Cadence::Daily => "daily check",
            Cadence::Hourly => "hourly re-evaluation",
        }
    }

    /// The latest firing time at or before `now`.
    pub fn slot(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Cadence::Daily => {
                let fire = NaiveTime::from_hms_opt(FIRE_HOUR, 0, 0).unwrap_or_default();
                let today = now.date_naive().and_time(fire).and_utc();
                if now >= today {
                    today
                } else {
                    today.checked_sub_days(Days::new(1)).unwrap_or(today)
                }
            }
            Cadence::Hourly => now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now),
        }
    }

    /// The firing after `slot`.
    fn next(self, slot: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Cadence::Daily => slot.checked_add_days(Days::new(1)).unwrap_or(slot),
            Cadence::Hourly => slot + TimeDelta::hours(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct LastRun {
    slot: DateTime<Utc>,
}

/// Runs one schedule's function at its cadence and on demand (`POST /_dev/tick` runs the daily
/// check), one run at a time.
pub struct Schedule {
    function: Arc<dyn ScheduleFunction>,
    clock: Arc<StackClock>,
    file: PathBuf,
    region: String,
    cadence: Cadence,
    running: Mutex<()>,
}

impl Schedule {
    pub fn new(
        function: Arc<dyn ScheduleFunction>,
        clock: Arc<StackClock>,
        file: PathBuf,
        region: String,
        cadence: Cadence,
    ) -> Self {
        Self {
            function,
            clock,
            file,
            region,
            cadence,
            running: Mutex::new(()),
        }
    }

    /// The event EventBridge sends for a run at `at`.
    pub fn event(&self, at: DateTime<Utc>) -> Result<EventBridgeEvent, FunctionError> {
        scheduled_event(&self.region, self.cadence.rule(), at)
    }

    /// Runs the function now, after any run in progress; answers its report.
    pub async fn tick(&self) -> Result<Value, FunctionError> {
        let _one_at_a_time = self.running.lock().await;
        let event = self.event(self.clock.now())?;
        self.function.call(event).await
    }

    /// Runs the function whenever a new firing time has passed on the stack's clock, until
    /// `stop` turns true (a run in progress finishes first).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut moves = self.clock.moves();
        let mut last = match state::read_json::<LastRun>(&self.file) {
            Ok(last) => last.map(|l| l.slot),
            Err(e) => {
                tracing::warn!(error = %e, schedule = self.cadence.label(), "the schedule's state cannot be read; it runs now");
                None
            }
        };
        loop {
            if *stop.borrow_and_update() {
                return;
            }
            let now = self.clock.now();
            let due = self.cadence.slot(now);
            let mut wait = self.until(now, due);
            if last.is_none_or(|l| due > l) {
                match self.tick().await {
                    Ok(report) => {
                        tracing::info!(%report, at = %now, "{} done", self.cadence.label());
                        last = Some(due);
                        let file = self.file.clone();
                        let saved = tokio::task::spawn_blocking(move || {
                            state::write_json(&file, &LastRun { slot: due })
                        })
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                        if let Err(e) = saved {
                            tracing::error!(error = %e, "saving the schedule's state failed");
                        }
                        wait = self.until(self.clock.now(), due);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, retry_in_s = RETRY.as_secs(), "the {} failed; it runs again", self.cadence.label());
                        wait = RETRY;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
                moved = moved(&mut moves) => if !moved { moves = None },
            }
        }
    }
}

impl Schedule {
    /// How long from `now` until the firing after `due`.
    fn until(&self, now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
        self.cadence
            .next(due)
            .signed_duration_since(now)
            .to_std()
            .unwrap_or_default()
            .saturating_add(Duration::from_millis(5))
    }
}

/// The event EventBridge sends when the rule `rule` fires at `at`.
fn scheduled_event(
    region: &str,
    rule: &str,
    at: DateTime<Utc>,
) -> Result<EventBridgeEvent, FunctionError> {
    let value = json!({
        "version": "0",
        "id": ids::uuid(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}")],
        "detail": {},
    });
    serde_json::from_value(value)
        .map_err(|e| FunctionError(format!("the scheduled event could not be built: {e}")))
}

/// The rule that only continues policy rollouts: its name ends as evaluate-freelancer expects.
pub const ROLLOUT_RULE: &str = "standing-local-policy-rollout";

/// How often the stack fires the rollout rule.
pub const ROLLOUT_EVERY: Duration = Duration::from_secs(1);

/// Fires the rollout rule at evaluate-freelancer every [`ROLLOUT_EVERY`] until `stop` turns
/// true. A run with nothing to continue costs one read; a run that did something is logged.
pub async fn poll_rollouts(
    function: Arc<dyn ScheduleFunction>,
    clock: Arc<StackClock>,
    region: String,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        match scheduled_event(&region, ROLLOUT_RULE, clock.now()) {
            Ok(event) => match function.call(event).await {
                Ok(report) => {
                    let worked = report["policy_rollout"]["pages"].as_u64().unwrap_or(0) > 0;
                    if worked {
                        tracing::info!(%report, "policy rollout step done");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "a policy rollout step failed; it runs again")
                }
            },
            Err(e) => tracing::error!(error = %e, "the rollout event could not be built"),
        }
        tokio::select! {
            _ = tokio::time::sleep(ROLLOUT_EVERY) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Waits for the dev clock to move: `true` when it did, `false` when it never can again. Without
/// a dev clock it never returns.
async fn moved(moves: &mut Option<watch::Receiver<DateTime<Utc>>>) -> bool {
    match moves {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::BoxFuture;
    use standing_testkit::TempDir;
    use std::sync::Mutex as StdMutex;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_daily_slot_is_the_last_three_oclock_utc_at_or_before_now() {
        let slot = |t| Cadence::Daily.slot(at(t));
        assert_eq!(slot("2026-11-24T03:00:00Z"), at("2026-11-24T03:00:00Z"));
        assert_eq!(slot("2026-11-24T23:59:00Z"), at("2026-11-24T03:00:00Z"));
        assert_eq!(slot("2026-11-24T02:59:59Z"), at("2026-11-23T03:00:00Z"));
    }

    #[test]
    fn the_hourly_slot_is_the_last_full_hour_at_or_before_now() {
        let slot = |t| Cadence::Hourly.slot(at(t));
        assert_eq!(slot("2026-11-24T03:00:00Z"), at("2026-11-24T03:00:00Z"));
        assert_eq!(slot("2026-11-24T03:59:59.999Z"), at("2026-11-24T03:00:00Z"));
        assert_eq!(
            Cadence::Hourly.next(at("2026-11-24T23:00:00Z")),
            at("2026-11-25T00:00:00Z")
        );
    }

    struct Recorder(StdMutex<Vec<EventBridgeEvent>>);

    impl ScheduleFunction for Recorder {
        fn call(&self, event: EventBridgeEvent) -> BoxFuture<'_, Result<Value, FunctionError>> {
            self.0.lock().unwrap().push(event);
            Box::pin(async { Ok(json!({"reinstatement_notices": 0})) })
        }
    }

    async fn settle<F: Fn() -> bool>(done: F) {
        for _ in 0..200 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn the_check_runs_once_per_day_of_the_stacks_clock_and_not_again_after_a_restart() {
        let dir = TempDir::new("schedule").unwrap();
        let clock = Arc::new(StackClock::dev(dir.path().join("clock.json")).unwrap());
        clock.set(at("2026-11-24T10:00:00Z")).unwrap();
        let recorder = Arc::new(Recorder(StdMutex::new(Vec::new())));
        let schedule = Arc::new(Schedule::new(
            recorder.clone(),
            clock.clone(),
            dir.path().join("schedule.json"),
            "us-east-1".into(),
            Cadence::Daily,
        ));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(schedule.clone().run(stopped));
        settle(|| recorder.0.lock().unwrap().len() == 1).await;

        clock.advance_days(3).unwrap();
        settle(|| recorder.0.lock().unwrap().len() == 2).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.send_replace(true);
        task.await.unwrap();
        {
            let events = recorder.0.lock().unwrap();
            assert_eq!(events.len(), 2, "three days jumped over run the check once");
            assert_eq!(events[0].detail_type, "Scheduled Event");
            assert_eq!(events[0].source, "aws.events");
            assert_eq!(
                events[1].time.map(|t| t.date_naive().to_string()),
                Some("2026-11-27".to_owned())
            );
        }

        // A restart on the same day finds the day done.
        let (_stop, stopped) = watch::channel(false);
        let again = Arc::new(Schedule::new(
            recorder.clone(),
            clock.clone(),
            dir.path().join("schedule.json"),
            "us-east-1".into(),
            Cadence::Daily,
        ));
        let task = tokio::spawn(again.run(stopped));
        tokio::time::sleep(Duration::from_millis(100)).await;
        task.abort();
        assert_eq!(recorder.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_tick_runs_the_check_now_with_a_scheduled_event_of_the_real_shape() {
        let dir = TempDir::new("schedule").unwrap();
        let clock = Arc::new(StackClock::dev(dir.path().join("clock.json")).unwrap());
        clock.set(at("2027-06-01T12:00:00Z")).unwrap();
        let recorder = Arc::new(Recorder(StdMutex::new(Vec::new())));
        let schedule = Schedule::new(
            recorder.clone(),
            clock,
            dir.path().join("schedule.json"),
            "eu-west-1".into(),
            Cadence::Daily,
        );
        let report = schedule.tick().await.unwrap();
        assert_eq!(report["reinstatement_notices"], 0);
        let events = recorder.0.lock().unwrap();
        let wire = serde_json::to_value(&events[0]).unwrap();
        assert_eq!(wire["detail-type"], "Scheduled Event");
        assert_eq!(wire["region"], "eu-west-1");
        assert_eq!(wire["account"], ACCOUNT_ID);
        assert_eq!(wire["detail"], json!({}));
        assert!(
            wire["time"]
                .as_str()
                .unwrap()
                .starts_with("2027-06-01T12:00"),
            "{}",
            wire["time"]
        );
        assert!(
            wire["resources"][0]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:events:eu-west-1:")
        );
    }
}
