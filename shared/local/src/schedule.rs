//! The daily schedule: process-appeal's check, fed an EventBridge scheduled event once per day
//! of the stack's clock at the template's hour (`cron(0 3 * * ? *)`, 03:00 UTC). A day the stack
//! was down for, or that the dev clock jumped over, is caught up once. The last run is kept in
//! the data directory so that a restart does not run the same day again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Days, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use standing_domain::ports::Clock;
use tokio::sync::{Mutex, watch};

use crate::clock::StackClock;
use crate::functions::{FunctionError, ScheduleFunction};
use crate::gateway::ACCOUNT_ID;
use crate::{ids, state};

/// The hour of the day (UTC) at which the template's schedule fires.
pub const FIRE_HOUR: u32 = 3;
/// The rule name the events claim to come from.
const RULE: &str = "standing-local-daily-check";
/// How long a failed check waits before it is tried again.
const RETRY: Duration = Duration::from_secs(60);

/// The latest firing time at or before `now`.
pub fn slot(now: DateTime<Utc>) -> DateTime<Utc> {
    let fire = NaiveTime::from_hms_opt(FIRE_HOUR, 0, 0).unwrap_or_default();
    let today = now.date_naive().and_time(fire).and_utc();
    if now >= today {
        today
    } else {
        today.checked_sub_days(Days::new(1)).unwrap_or(today)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct LastRun {
    slot: DateTime<Utc>,
}

/// Runs the daily check on schedule and on demand (`POST /_dev/tick`), one at a time.
pub struct Schedule {
    function: Arc<dyn ScheduleFunction>,
    clock: Arc<StackClock>,
    file: PathBuf,
    region: String,
    running: Mutex<()>,
}

impl Schedule {
    pub fn new(
        function: Arc<dyn ScheduleFunction>,
        clock: Arc<StackClock>,
        file: PathBuf,
        region: String,
    ) -> Self {
        Self {
            function,
            clock,
            file,
            region,
            running: Mutex::new(()),
        }
    }

    /// The event EventBridge sends for a run at `at`.
    pub fn event(&self, at: DateTime<Utc>) -> Result<EventBridgeEvent, FunctionError> {
        let value = json!({
            "version": "0",
            "id": ids::uuid(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "region": self.region,
            "resources": [format!("arn:aws:events:{}:{ACCOUNT_ID}:rule/{RULE}", self.region)],
            "detail": {},
        });
        serde_json::from_value(value)
            .map_err(|e| FunctionError(format!("the scheduled event could not be built: {e}")))
    }

    /// Runs the check now, after any run in progress; answers its report.
    pub async fn tick(&self) -> Result<Value, FunctionError> {
        let _one_at_a_time = self.running.lock().await;
        let event = self.event(self.clock.now())?;
        self.function.call(event).await
    }

    /// Runs the check whenever a new day's firing time has passed on the stack's clock, until
    /// `stop` turns true (a run in progress finishes first).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut moves = self.clock.moves();
        let mut last = match state::read_json::<LastRun>(&self.file) {
            Ok(last) => last.map(|l| l.slot),
            Err(e) => {
                tracing::warn!(error = %e, "the schedule's state cannot be read; the check runs now");
                None
            }
        };
        loop {
            if *stop.borrow_and_update() {
                return;
            }
            let now = self.clock.now();
            let due = slot(now);
            let mut wait = until(now, due);
            if last.is_none_or(|l| due > l) {
                match self.tick().await {
                    Ok(report) => {
                        tracing::info!(%report, at = %now, "daily check done");
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
                        wait = until(self.clock.now(), due);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, retry_in_s = RETRY.as_secs(), "the daily check failed; it runs again");
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

/// How long from `now` until the firing after `due`.
fn until(now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
    let next = due.checked_add_days(Days::new(1)).unwrap_or(due);
    next.signed_duration_since(now)
        .to_std()
        .unwrap_or_default()
        .saturating_add(Duration::from_millis(5))
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
    fn the_slot_is_the_last_three_oclock_utc_at_or_before_now() {
        assert_eq!(slot(at("2026-11-24T03:00:00Z")), at("2026-11-24T03:00:00Z"));
        assert_eq!(slot(at("2026-11-24T23:59:00Z")), at("2026-11-24T03:00:00Z"));
        assert_eq!(slot(at("2026-11-24T02:59:59Z")), at("2026-11-23T03:00:00Z"));
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
