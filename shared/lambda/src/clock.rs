//! The system clock, for the functions in AWS (the local stack brings its development clock).

use chrono::{DateTime, Utc};
use standing_domain::ports::Clock;

/// Reads the wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
