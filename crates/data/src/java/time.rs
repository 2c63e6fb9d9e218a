//! `java.time` as SeaTunnel's text shows it: `LocalDate.of` / `LocalTime.of` with the JDK's
//! messages, the English month and day names, and the ISO-8601 writers of
//! `DateTimeFormatter.ISO_LOCAL_*`.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Nanosecond digits; a fraction never has more.
pub const MAX_FRACTION_DIGITS: usize = 9;

/// Java's English month names, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Java's English day names, Monday first, as chrono's `weekday().num_days_from_monday()` counts.
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A `java.time` failure, worded as the JDK's exception so that job errors read like
/// SeaTunnel's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("java.time.format.DateTimeParseException: Text '{text}' could not be parsed{detail}")]
    Parse { text: String, detail: String },
    #[error("java.time.temporal.UnsupportedTemporalTypeException: Unsupported field: {0}")]
    UnsupportedField(&'static str),
    #[error("java.time.DateTimeException: {0}")]
    Invalid(String),
}

/// `LocalDate.of(year, month, day)` with Java's messages.
pub fn date_of(year: i64, month: i64, day: i64) -> Result<NaiveDate, TimeError> {
    if !(1..=12).contains(&month) {
        return Err(TimeError::Invalid(format!(
            "Invalid value for MonthOfYear (valid values 1 - 12): {month}"
        )));
    }
    if !(1..=31).contains(&day) {
        return Err(TimeError::Invalid(format!(
            "Invalid value for DayOfMonth (valid values 1 - 28/31): {day}"
        )));
    }
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month as u32, day as u32))
        .ok_or_else(|| TimeError::Invalid(format!("Invalid date '{year}-{month:02}-{day:02}'")))
}

/// `LocalTime.of(hour, minute, second)` with Java's messages.
pub fn time_of(hour: i64, minute: i64, second: i64) -> Result<NaiveTime, TimeError> {
    let check = |v: i64, max: i64, name: &str| {
        if (0..=max).contains(&v) {
            Ok(v as u32)
        } else {
            Err(TimeError::Invalid(format!(
                "Invalid value for {name} (valid values 0 - {max}): {v}"
            )))
        }
    };
    let (h, m, s) = (
        check(hour, 23, "HourOfDay")?,
        check(minute, 59, "MinuteOfHour")?,
        check(second, 59, "SecondOfMinute")?,
    );
    Ok(NaiveTime::from_hms_opt(h, m, s).expect("checked ranges"))
}

/// Days in `month` of `year` (proleptic Gregorian, as `java.time`).
pub fn month_length(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes `v` in at least `width` digits, zero-padded, without allocating.
pub fn pad(out: &mut Vec<u8>, v: u64, width: usize) {
    if width == 2 && v < 100 {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
        return;
    }
    if width == 4 && v < 10_000 {
        out.extend_from_slice(&[
            b'0' + (v / 1000) as u8,
            b'0' + (v / 100 % 10) as u8,
            b'0' + (v / 10 % 10) as u8,
            b'0' + (v % 10) as u8,
        ]);
        return;
    }
    let mut ib = itoa::Buffer::new();
    let digits = ib.format(v).as_bytes();
    for _ in digits.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(digits);
}

/// `LocalTime.toString` (what `String.valueOf` prints for a time, and the time part of a
/// `LocalDateTime`): `HH:mm`, then `:ss` and a fraction in groups of three digits only when
/// non-zero. Unlike [`write_iso_time`], the seconds may be left out.
pub fn fmt_local_time(f: &mut impl std::fmt::Write, t: &NaiveTime) -> std::fmt::Result {
    write!(f, "{:02}:{:02}", t.hour(), t.minute())?;
    let nanos = t.nanosecond().min(999_999_999);
    if nanos == 0 && t.second() == 0 {
        return Ok(());
    }
    write!(f, ":{:02}", t.second())?;
    if nanos == 0 {
        Ok(())
    } else if nanos.is_multiple_of(1_000_000) {
        write!(f, ".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        write!(f, ".{:06}", nanos / 1_000)
    } else {
        write!(f, ".{nanos:09}")
    }
}

/// `ISO_LOCAL_TIME`: `HH:mm:ss`, then the fraction without trailing zeros if non-zero.
pub fn write_iso_time(out: &mut Vec<u8>, t: NaiveTime) {
    pad(out, t.hour().into(), 2);
    out.push(b':');
    pad(out, t.minute().into(), 2);
    out.push(b':');
    pad(out, t.second().into(), 2);
    let nanos = t.nanosecond().min(999_999_999);
    if nanos != 0 {
        let mut digits = [b'0'; MAX_FRACTION_DIGITS];
        let mut v = nanos;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        let keep = MAX_FRACTION_DIGITS - digits.iter().rev().take_while(|&&d| d == b'0').count();
        out.push(b'.');
        out.extend_from_slice(&digits[..keep]);
    }
}

/// `ISO_LOCAL_DATE`.
pub fn write_iso_date(out: &mut Vec<u8>, d: NaiveDate) {
    if d.year() < 0 {
        out.push(b'-');
    }
    pad(out, d.year().unsigned_abs().into(), 4);
    out.push(b'-');
    pad(out, d.month().into(), 2);
    out.push(b'-');
    pad(out, d.day().into(), 2);
}

/// `ISO_LOCAL_DATE_TIME`.
pub fn write_iso_datetime(out: &mut Vec<u8>, ts: NaiveDateTime) {
    write_iso_date(out, ts.date());
    out.push(b'T');
    write_iso_time(out, ts.time());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_checks_ranges_with_javas_messages() {
        assert_eq!(
            date_of(2021, 13, 1).unwrap_err().to_string(),
            "java.time.DateTimeException: Invalid value for MonthOfYear (valid values 1 - 12): 13"
        );
        assert!(date_of(2021, 2, 30)
            .unwrap_err()
            .to_string()
            .contains("Invalid date '2021-02-30'"));
        assert_eq!(
            time_of(24, 0, 0).unwrap_err().to_string(),
            "java.time.DateTimeException: Invalid value for HourOfDay (valid values 0 - 23): 24"
        );
        assert_eq!(month_length(2000, 2), 29);
        assert_eq!(month_length(1900, 2), 28);
    }

    #[test]
    fn local_time_to_string_drops_zero_seconds_and_groups_the_fraction() {
        let text = |h, m, s, n| {
            let mut out = String::new();
            fmt_local_time(&mut out, &NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap()).unwrap();
            out
        };
        assert_eq!(text(7, 5, 0, 0), "07:05");
        assert_eq!(text(7, 5, 9, 0), "07:05:09");
        assert_eq!(text(7, 5, 0, 120_000_000), "07:05:00.120");
        assert_eq!(text(7, 5, 0, 1_000), "07:05:00.000001");
        assert_eq!(text(7, 5, 0, 1), "07:05:00.000000001");
    }

    #[test]
    fn iso_output_matches_java() {
        let ts = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let mut out = Vec::new();
        write_iso_datetime(&mut out, ts("2022-01-26 17:39:00"));
        assert_eq!(out, b"2022-01-26T17:39:00");
        out.clear();
        write_iso_datetime(&mut out, ts("2022-01-26 17:39:00.120"));
        assert_eq!(out, b"2022-01-26T17:39:00.12");
        out.clear();
        write_iso_date(&mut out, ts("-0044-03-15 00:00:00").date());
        assert_eq!(out, b"-0044-03-15");
    }
}
