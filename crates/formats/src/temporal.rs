//! The fallbacks a text, csv or json reader tries when a value does not match its configured
//! `date_format`, `datetime_format` or `time_format` (patterns: `seatunnel_data::java::
//! time_pattern`): ISO-8601 forms, as SeaTunnel's readers also accept them.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// ISO date-times as SeaTunnel's json and text readers also accept them: `T` or a space between
/// date and time, seconds and fraction optional.
pub fn parse_datetime_lenient(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let split = s.find(['T', ' '])?;
    let date = NaiveDate::parse_from_str(&s[..split], "%Y-%m-%d").ok()?;
    Some(date.and_time(parse_time_lenient(&s[split + 1..])?))
}

pub fn parse_date_lenient(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_datetime_lenient(s).map(|ts| ts.date()))
}

pub fn parse_time_lenient(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn lenient_iso_fallbacks() {
        assert_eq!(
            parse_datetime_lenient("2023-01-11T06:25:29"),
            Some(ts("2023-01-11 06:25:29"))
        );
        assert_eq!(
            parse_datetime_lenient("2023-01-11 06:25"),
            Some(ts("2023-01-11 06:25:00"))
        );
        assert_eq!(
            parse_date_lenient("2023-04-22"),
            NaiveDate::from_ymd_opt(2023, 4, 22)
        );
        assert!(parse_datetime_lenient("yesterday").is_none());
    }
}
