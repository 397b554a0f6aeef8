//! Calendar arithmetic the rule book needs: days and calendar months.

use chrono::{DateTime, Duration, Months, Utc};

/// `t` plus `months` calendar months; a day that does not exist in the target month is clamped
/// to that month's last day (31 August + 6 months = 28 or 29 February).
pub fn add_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t` minus `months` calendar months, clamped like [`add_months`].
pub fn sub_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    t.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `t` plus whole days, saturating.
pub fn add_days(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    t.checked_add_signed(Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t` minus whole days, saturating.
pub fn sub_days(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    t.checked_sub_signed(Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn six_calendar_months_from_31_august_is_the_last_day_of_february() {
        assert_eq!(
            add_months(at("2025-08-31T10:00:00Z"), 6),
            at("2026-02-28T10:00:00Z")
        );
        assert_eq!(
            add_months(at("2027-08-31T10:00:00Z"), 6),
            at("2028-02-29T10:00:00Z")
        );
    }

    #[test]
    fn six_calendar_months_from_mid_month_keeps_the_day() {
        assert_eq!(
            add_months(at("2026-01-15T00:00:00Z"), 6),
            at("2026-07-15T00:00:00Z")
        );
    }

    #[test]
    fn day_arithmetic_saturates_instead_of_panicking() {
        assert_eq!(
            add_days(DateTime::<Utc>::MAX_UTC, 1),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            sub_days(DateTime::<Utc>::MIN_UTC, 1),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
