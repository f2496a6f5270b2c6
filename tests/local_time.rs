//! The desktop front makes Brussels the process's local time zone, so that
//! what asks the system for "today" (the date picker) agrees with the rules.
//! One test in its own binary: it sets an environment variable.

#[test]
fn the_system_zone_seen_by_the_date_picker_is_brussels() {
    // As on a computer set to another zone.
    std::env::set_var("TZ", "Pacific/Kiritimati");
    fla_assistant::today::use_brussels_as_local_time();
    let system = jiff::tz::TimeZone::system();
    assert_eq!(system.iana_name(), Some("Europe/Brussels"));
    let now = time::OffsetDateTime::now_utc();
    let picker_today = jiff::Zoned::now().date();
    let rules_today = fla_assistant::today::brussels_date(now);
    assert_eq!(
        (
            i32::from(picker_today.year()),
            picker_today.month() as u8,
            picker_today.day() as u8
        ),
        (
            rules_today.year(),
            u8::from(rules_today.month()),
            rules_today.day()
        )
    );
}
