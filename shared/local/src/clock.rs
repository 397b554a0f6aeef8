//! The stack's clock: the wall clock, or with `--dev-clock` the wall clock moved by an offset
//! that `POST /_dev/clock` sets. It keeps ticking at the wall clock's rate; the offset is kept in
//! the data directory so that a restart does not send time backwards past what was stored.

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::ports::Clock;
use tokio::sync::watch;

use crate::state;

/// The earliest and latest instants the dev clock may be set to: far enough apart for any
/// scenario, far enough from chrono's limits that date arithmetic in the rules cannot overflow.
const EARLIEST_YEAR: i32 = 2000;
const LATEST_YEAR: i32 = 2999;
/// The most days one request may move the clock forward (a century).
pub const MAX_ADVANCE_DAYS: u32 = 36_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    offset_ms: i64,
}

/// Why the dev clock cannot be moved as asked.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error("the stack runs on the wall clock; start it with --dev-clock to move time")]
    NotDev,
    #[error("`advance_days` must be between 0 and {MAX_ADVANCE_DAYS}")]
    AdvanceOutOfRange,
    #[error("`now` must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")]
    NowOutOfRange,
    #[error("saving the dev clock failed: {0}")]
    Save(#[from] std::io::Error),
}

#[derive(Debug)]
struct Dev {
    offset_ms: Mutex<i64>,
    file: PathBuf,
    changed: watch::Sender<DateTime<Utc>>,
}

/// The time every handler, the stream consumer and the schedule read.
#[derive(Debug)]
pub struct StackClock {
    dev: Option<Dev>,
}

impl StackClock {
    /// The wall clock.
    pub fn system() -> Self {
        Self { dev: None }
    }

    /// A development clock whose offset lives in `file` (read now, written on every move).
    pub fn dev(file: PathBuf) -> std::io::Result<Self> {
        let offset_ms = state::read_json::<Stored>(&file)?.map_or(0, |s| s.offset_ms);
        let now = shifted(Utc::now(), offset_ms);
        Ok(Self {
            dev: Some(Dev {
                offset_ms: Mutex::new(offset_ms),
                file,
                changed: watch::channel(now).0,
            }),
        })
    }

    pub fn is_dev(&self) -> bool {
        self.dev.is_some()
    }

    /// Wakes when the dev clock is moved (never for the wall clock), with the new now.
    pub fn moves(&self) -> Option<watch::Receiver<DateTime<Utc>>> {
        self.dev.as_ref().map(|dev| dev.changed.subscribe())
    }

    /// Moves the dev clock forward by whole days; returns the new now.
    pub fn advance_days(&self, days: u32) -> Result<DateTime<Utc>, ClockError> {
        if days > MAX_ADVANCE_DAYS {
            return Err(ClockError::AdvanceOutOfRange);
        }
        self.move_to(|now| now.checked_add_signed(Duration::days(i64::from(days))))
    }

    /// Sets the dev clock to `now` (it goes on ticking from there); returns it.
    pub fn set(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        self.move_to(|_| Some(now))
    }

    fn move_to(
        &self,
        target: impl FnOnce(DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, ClockError> {
        let dev = self.dev.as_ref().ok_or(ClockError::NotDev)?;
        let mut offset = dev.offset_ms.lock().unwrap_or_else(|e| e.into_inner());
        let wall = Utc::now();
        let target = target(shifted(wall, *offset)).ok_or(ClockError::NowOutOfRange)?;
        if !in_range(target) {
            return Err(ClockError::NowOutOfRange);
        }
        let next = offset_at_least(target.signed_duration_since(wall));
        state::write_json(&dev.file, &Stored { offset_ms: next })?;
        *offset = next;
        drop(offset);
        dev.changed.send_replace(target);
        Ok(target)
    }
}

impl Clock for StackClock {
    fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        match &self.dev {
            None => wall,
            Some(dev) => shifted(
                wall,
                *dev.offset_ms.lock().unwrap_or_else(|e| e.into_inner()),
            ),
        }
    }
}

/// The offset in whole milliseconds, rounded up: truncating would put the clock a fraction of a
/// millisecond before the moment it was set to (12:00:00 would read 11:59:59.999).
fn offset_at_least(offset: Duration) -> i64 {
    let ms = offset.num_milliseconds();
    if offset > Duration::milliseconds(ms) {
        ms + 1
    } else {
        ms
    }
}

fn shifted(wall: DateTime<Utc>, offset_ms: i64) -> DateTime<Utc> {
    wall.checked_add_signed(Duration::milliseconds(offset_ms))
        .unwrap_or(wall)
}

fn in_range(at: DateTime<Utc>) -> bool {
    let earliest = Utc.with_ymd_and_hms(EARLIEST_YEAR, 1, 1, 0, 0, 0).single();
    let latest = Utc
        .with_ymd_and_hms(LATEST_YEAR + 1, 1, 1, 0, 0, 0)
        .single();
    matches!((earliest, latest), (Some(e), Some(l)) if at >= e && at < l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_testkit::TempDir;

    fn close(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        (a - b).num_milliseconds().abs() < 2_000
    }

    #[test]
    fn the_wall_clock_cannot_be_moved() {
        let clock = StackClock::system();
        assert!(matches!(clock.advance_days(1), Err(ClockError::NotDev)));
        assert!(close(clock.now(), Utc::now()));
        assert!(clock.moves().is_none());
    }

    #[test]
    fn advancing_moves_now_by_whole_days_and_survives_a_restart() {
        let dir = TempDir::new("clock").unwrap();
        let file = dir.path().join("dev-clock.json");
        let clock = StackClock::dev(file.clone()).unwrap();
        let mut moves = clock.moves().unwrap();
        let moved = clock.advance_days(30).unwrap();
        assert!(close(moved, Utc::now() + Duration::days(30)));
        assert!(close(clock.now(), moved));
        assert!(moves.has_changed().unwrap());
        assert_eq!(*moves.borrow_and_update(), moved);

        let again = StackClock::dev(file).unwrap();
        assert!(close(again.now(), moved));
    }

    #[test]
    fn setting_now_goes_there_and_ticks_on_and_out_of_range_moves_are_refused() {
        let dir = TempDir::new("clock").unwrap();
        let clock = StackClock::dev(dir.path().join("c.json")).unwrap();
        let at: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(clock.set(at).unwrap(), at);
        assert!(close(clock.now(), at));
        assert!(clock.now() >= at);

        let far: DateTime<Utc> = "3100-01-01T00:00:00Z".parse().unwrap();
        assert!(matches!(clock.set(far), Err(ClockError::NowOutOfRange)));
        assert!(matches!(
            clock.advance_days(MAX_ADVANCE_DAYS + 1),
            Err(ClockError::AdvanceOutOfRange)
        ));
        assert!(close(clock.now(), at));
    }

    #[test]
    fn a_clock_set_to_a_moment_never_reads_before_it() {
        let dir = TempDir::new("clock").unwrap();
        let clock = StackClock::dev(dir.path().join("clock.json")).unwrap();
        for _ in 0..200 {
            let target: DateTime<Utc> = "2027-06-01T12:00:00Z".parse().unwrap();
            clock.set(target).unwrap();
            assert!(clock.now() >= target, "{} < {target}", clock.now());
        }
        assert_eq!(offset_at_least(Duration::microseconds(1_500)), 2);
        assert_eq!(offset_at_least(Duration::milliseconds(2)), 2);
        assert_eq!(offset_at_least(Duration::microseconds(-1_500)), -1);
    }
}
