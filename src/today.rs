//! What "today" is for every rule (future dates, lateness, certificate validity
//! shown to the user): the date in Europe/Brussels at a given instant. No clock
//! is read here: the instant is passed in. The time-zone rules are read once,
//! from the system's database where it has Brussels, else from the copy bundled
//! with the binary (jiff's `tzdb-bundle-always`), so Windows, which has no IANA
//! database, agrees with Linux.

use std::sync::OnceLock;

use jiff::tz::{TimeZone, TimeZoneDatabase};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// The IANA name of Belgium's time zone.
pub const BRUSSELS: &str = "Europe/Brussels";

/// Brussels' rules: from the system's database where it has them (the OS keeps
/// it current), else from the copy compiled into the binary (Windows has no IANA
/// database; a Linux container may lack tzdata or carry a partial one).
fn brussels_zone() -> Option<&'static TimeZone> {
    static ZONE: OnceLock<Option<TimeZone>> = OnceLock::new();
    ZONE.get_or_init(|| brussels_zone_from(jiff::tz::db(), &TimeZoneDatabase::bundled()))
        .as_ref()
}

fn brussels_zone_from(system: &TimeZoneDatabase, bundled: &TimeZoneDatabase) -> Option<TimeZone> {
    system.get(BRUSSELS).or_else(|_| bundled.get(BRUSSELS)).ok()
}

/// Brussels' offset from UTC at `now` (+01:00 in winter, +02:00 in summer).
pub fn brussels_offset(now: OffsetDateTime) -> UtcOffset {
    let offset = brussels_zone().and_then(|tz| {
        let instant = jiff::Timestamp::from_second(now.unix_timestamp()).ok()?;
        Some(tz.to_offset(instant).seconds())
    });
    // The database is compiled in, so the fallback below is never taken in
    // practice; it applies the EU rule (last Sunday of March and of October,
    // 01:00 UTC) so that even then the answer is right.
    let seconds = offset.unwrap_or_else(|| eu_rule_offset_seconds(now));
    UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
}

/// `now` as Brussels' wall clock shows it.
pub fn in_brussels(now: OffsetDateTime) -> OffsetDateTime {
    now.to_offset(brussels_offset(now))
}

/// The time of day of `at` on a Brussels clock, as `HH:MM` ("started at 10:42").
pub fn brussels_clock(at: OffsetDateTime) -> String {
    let t = in_brussels(at);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The date in Brussels at `now`.
pub fn brussels_date(now: OffsetDateTime) -> Date {
    in_brussels(now).date()
}

/// Makes Brussels the process's local time zone, for the libraries that ask the
/// system for "today" (egui_extras' date picker marks today with jiff's system
/// zone), so that the picker agrees with the rules on a computer set to another
/// zone. jiff reads `TZ` first on every platform and resolves the name from its
/// bundled database. Call it once at start, before any other thread exists (the
/// desktop front does, in `main`); the command line passes instants explicitly.
pub fn use_brussels_as_local_time() {
    std::env::set_var("TZ", BRUSSELS);
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last = time::util::days_in_month(month, year);
    let mut day = Date::from_calendar_date(year, month, last).unwrap_or(Date::MIN);
    while day.weekday() != time::Weekday::Sunday {
        day = day.previous_day().unwrap_or(Date::MIN);
    }
    day
}

fn eu_rule_offset_seconds(now: OffsetDateTime) -> i32 {
    let utc = now.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let start = last_sunday(year, Month::March)
        .with_hms(1, 0, 0)
        .map(|t| t.assume_utc());
    let end = last_sunday(year, Month::October)
        .with_hms(1, 0, 0)
        .map(|t| t.assume_utc());
    match (start, end) {
        (Ok(start), Ok(end)) if utc >= start && utc < end => 7200,
        _ => 3600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn half_past_midnight_in_brussels_is_already_the_next_day() {
        // 23:30 UTC on 24 November is 00:30 on the 25th in Brussels (winter, +1).
        assert_eq!(
            brussels_date(datetime!(2026-11-24 23:30 UTC)),
            date!(2026 - 11 - 25)
        );
        // 22:30 UTC on 30 June is 00:30 on 1 July (summer, +2).
        assert_eq!(
            brussels_date(datetime!(2026-06-30 22:30 UTC)),
            date!(2026 - 07 - 01)
        );
        assert_eq!(
            brussels_date(datetime!(2026-06-30 21:59 UTC)),
            date!(2026 - 06 - 30)
        );
    }

    /// The rules come with the binary: a computer with no time-zone database
    /// at all (Windows has none; an empty database stands for it here) still
    /// finds Brussels, with its winter and summer offsets.
    #[test]
    fn brussels_is_found_without_the_system_database() {
        let bundled = TimeZoneDatabase::bundled();
        assert!(!bundled.is_definitively_empty(), "no bundled tz database");
        let zone = brussels_zone_from(&TimeZoneDatabase::none(), &bundled)
            .expect("Europe/Brussels from the bundled database alone");
        let offset = |t: OffsetDateTime| {
            zone.to_offset(jiff::Timestamp::from_second(t.unix_timestamp()).unwrap())
                .seconds()
        };
        assert_eq!(offset(datetime!(2026-11-24 23:30 UTC)), 3600);
        assert_eq!(offset(datetime!(2026-06-30 22:30 UTC)), 7200);
        // The same answers as the zone in use (the system's, where it has one).
        let in_use = brussels_zone().expect("Europe/Brussels");
        for t in [
            datetime!(2026-11-24 23:30 UTC),
            datetime!(2026-03-29 01:00 UTC),
        ] {
            let at = jiff::Timestamp::from_second(t.unix_timestamp()).unwrap();
            assert_eq!(in_use.to_offset(at), zone.to_offset(at), "{t}");
        }
    }

    #[test]
    fn the_bundled_rules_and_the_eu_rule_agree_around_the_changes() {
        for now in [
            datetime!(2026-03-29 00:59 UTC),
            datetime!(2026-03-29 01:00 UTC),
            datetime!(2026-10-25 00:59 UTC),
            datetime!(2026-10-25 01:00 UTC),
            datetime!(2031-01-15 12:00 UTC),
        ] {
            let bundled = jiff::tz::TimeZone::get(BRUSSELS).unwrap();
            let instant = jiff::Timestamp::from_second(now.unix_timestamp()).unwrap();
            assert_eq!(
                bundled.to_offset(instant).seconds(),
                eu_rule_offset_seconds(now),
                "{now}"
            );
        }
        assert_eq!(
            brussels_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            brussels_offset(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            1
        );
    }
}
