//! Calendar arithmetic behind the date-time functions, reproducing `java.time`: month steps
//! clamp to the month's last day, differences count like `Period` and `Duration`, and week
//! numbers follow `WeekFields`.

use chrono::{
    Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike,
};

use crate::sql::error::EvalError;
use crate::sql::scalar::Scalar;
use seatunnel_data::java::time::TimeError;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
/// Java's `ZoneOffset` range, in hours.
const MAX_OFFSET_HOURS: i32 = 18;

/// A unit of DATEADD, DATEDIFF and DATE_TRUNC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Year,
    Month,
    Week,
    Day,
    DayTime,
    Hour,
    Minute,
    Second,
    Millisecond,
}

impl Unit {
    pub fn parse(text: &str) -> Option<Unit> {
        Some(match text.to_ascii_uppercase().as_str() {
            "YEAR" => Unit::Year,
            "MONTH" => Unit::Month,
            "WEEK" => Unit::Week,
            "DAY" => Unit::Day,
            "DAYTIME" => Unit::DayTime,
            "HOUR" => Unit::Hour,
            "MINUTE" => Unit::Minute,
            "SECOND" => Unit::Second,
            "MILLISECOND" => Unit::Millisecond,
            _ => return None,
        })
    }
}

/// A field of EXTRACT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Epoch,
    Quarter,
    Week,
    Century,
    Decade,
    DayOfWeek,
    IsoDayOfWeek,
    DayOfYear,
    IsoYear,
    Millennium,
}

impl Field {
    pub fn parse(text: &str) -> Option<Field> {
        Some(match text.to_ascii_uppercase().as_str() {
            "YEAR" => Field::Year,
            "MONTH" => Field::Month,
            "DAY" => Field::Day,
            "HOUR" => Field::Hour,
            "MINUTE" => Field::Minute,
            "SECOND" => Field::Second,
            "MILLISECOND" | "MILLISECONDS" => Field::Millisecond,
            "MICROSECOND" | "MICROSECONDS" => Field::Microsecond,
            "EPOCH" => Field::Epoch,
            "QUARTER" => Field::Quarter,
            "WEEK" => Field::Week,
            "CENTURY" => Field::Century,
            "DECADE" => Field::Decade,
            "DOW" | "DAYOFWEEK" => Field::DayOfWeek,
            "ISODOW" => Field::IsoDayOfWeek,
            "DOY" | "DAYOFYEAR" => Field::DayOfYear,
            "ISOYEAR" => Field::IsoYear,
            "MILLENNIUM" | "MILLENIUM" => Field::Millennium,
            _ => return None,
        })
    }
}

/// A time zone for FROM_UNIXTIME: the system zone or a fixed offset (`UTC+8`, `+08:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    System,
    Fixed(FixedOffset),
}

impl Zone {
    /// Java `ZoneId.of` forms with a fixed offset. Region ids (`Asia/Shanghai`) need a zone
    /// database this build does not carry.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let t = text.trim();
        let rest = ["UTC", "GMT", "UT"]
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .unwrap_or(t);
        if rest.is_empty() || rest == "Z" {
            return Ok(Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset")));
        }
        let bad = || {
            format!(
                "time zone '{text}' is not supported; use a fixed offset such as UTC+8 or +08:00"
            )
        };
        let (sign, digits) = match rest.as_bytes()[0] {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return Err(bad()),
        };
        let parts: Vec<&str> = if digits.contains(':') {
            digits.split(':').collect()
        } else if digits.len() > 2 {
            let (h, m) = digits.split_at(digits.len() - 2);
            vec![h, m]
        } else {
            vec![digits]
        };
        let nums: Option<Vec<i32>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let nums = nums.ok_or_else(bad)?;
        let (h, m, s) = (
            nums[0],
            nums.get(1).copied().unwrap_or(0),
            nums.get(2).copied().unwrap_or(0),
        );
        if nums.len() > 3 || h > MAX_OFFSET_HOURS || m > 59 || s > 59 {
            return Err(bad());
        }
        FixedOffset::east_opt(sign * (h * 3600 + m * 60 + s))
            .map(Zone::Fixed)
            .ok_or_else(bad)
    }

    pub fn local_from_epoch_seconds(self, secs: i64) -> Option<NaiveDateTime> {
        match self {
            Zone::System => chrono::Local
                .timestamp_opt(secs, 0)
                .single()
                .map(|d| d.naive_local()),
            Zone::Fixed(off) => off.timestamp_opt(secs, 0).single().map(|d| d.naive_local()),
        }
    }
}

/// The date and time parts of a temporal value.
pub fn parts(v: &Scalar<'_>) -> (Option<NaiveDate>, Option<NaiveTime>) {
    match v {
        Scalar::Timestamp(ts) => (Some(ts.date()), Some(ts.time())),
        Scalar::Date(d) => (Some(*d), None),
        Scalar::Time(t) => (None, Some(*t)),
        _ => (None, None),
    }
}

fn add_months<T>(
    v: T,
    n: i64,
    add: fn(T, Months) -> Option<T>,
    sub: fn(T, Months) -> Option<T>,
) -> Option<T> {
    let m = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 {
        add(v, m)
    } else {
        sub(v, m)
    }
}

/// DATEADD: units a value cannot take (HOUR on a DATE, DAY on a TIME) leave it unchanged.
pub fn date_add<'a>(v: Scalar<'a>, n: i64, unit: Unit) -> Result<Scalar<'a>, EvalError> {
    let overflow = || {
        EvalError::Time(TimeError::Invalid(format!(
            "DATEADD of {n} {unit:?} is out of range"
        )))
    };
    let span = match unit {
        Unit::Week => Duration::try_weeks(n),
        Unit::Day | Unit::DayTime => Duration::try_days(n),
        Unit::Hour => Duration::try_hours(n),
        Unit::Minute => Duration::try_minutes(n),
        Unit::Second => Duration::try_seconds(n),
        Unit::Millisecond => Duration::try_milliseconds(n),
        Unit::Year | Unit::Month => None,
    };
    let months = match unit {
        Unit::Year => Some(n.checked_mul(12).ok_or_else(overflow)?),
        Unit::Month => Some(n),
        _ => None,
    };
    let time_unit = matches!(
        unit,
        Unit::Hour | Unit::Minute | Unit::Second | Unit::Millisecond
    );
    Ok(match v {
        Scalar::Date(d) if !time_unit => Scalar::Date(
            match months {
                Some(m) => add_months(
                    d,
                    m,
                    NaiveDate::checked_add_months,
                    NaiveDate::checked_sub_months,
                ),
                None => d.checked_add_signed(span.ok_or_else(overflow)?),
            }
            .ok_or_else(overflow)?,
        ),
        Scalar::Timestamp(ts) => Scalar::Timestamp(
            match months {
                Some(m) => add_months(
                    ts,
                    m,
                    NaiveDateTime::checked_add_months,
                    NaiveDateTime::checked_sub_months,
                ),
                None => ts.checked_add_signed(span.ok_or_else(overflow)?),
            }
            .ok_or_else(overflow)?,
        ),
        Scalar::Time(t) if time_unit => {
            Scalar::Time(t.overflowing_add_signed(span.ok_or_else(overflow)?).0)
        }
        other => other,
    })
}

/// Java's `Period.between(a, b).toTotalMonths()`.
fn period_months(a: NaiveDate, b: NaiveDate) -> i64 {
    let proleptic = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    let mut total = proleptic(b) - proleptic(a);
    let days = b.day() as i64 - a.day() as i64;
    if total > 0 && days < 0 {
        total -= 1;
    } else if total < 0 && days > 0 {
        total += 1;
    }
    total
}

/// Nanoseconds on one axis: timestamps and dates from the epoch, times from midnight.
fn nanos(v: &Scalar<'_>) -> Option<i128> {
    let ts = match v {
        Scalar::Timestamp(ts) => *ts,
        Scalar::Date(d) => d.and_time(NaiveTime::MIN),
        Scalar::Time(t) => {
            return Some(
                t.num_seconds_from_midnight() as i128 * NANOS_PER_SECOND + t.nanosecond() as i128,
            )
        }
        _ => return None,
    };
    let utc = ts.and_utc();
    Some(utc.timestamp() as i128 * NANOS_PER_SECOND + utc.timestamp_subsec_nanos() as i128)
}

pub fn date_diff(a: &Scalar<'_>, b: &Scalar<'_>, unit: Unit) -> Option<i64> {
    let date = |v: &Scalar<'_>| parts(v).0;
    if matches!(unit, Unit::Year | Unit::Month | Unit::Day) {
        let (x, y) = (date(a)?, date(b)?);
        return Some(match unit {
            Unit::Year => period_months(x, y) / 12,
            Unit::Month => period_months(x, y),
            _ => (y - x).num_days(),
        });
    }
    // Java's Duration keeps whole seconds floored and a positive nano part; its toX() divide
    // those seconds, truncating toward zero.
    let total = nanos(b)? - nanos(a)?;
    let seconds = total.div_euclid(NANOS_PER_SECOND);
    Some(match unit {
        Unit::Week => seconds / 86_400 / 7,
        Unit::DayTime => seconds / 86_400,
        Unit::Hour => seconds / 3600,
        Unit::Minute => seconds / 60,
        Unit::Second => total.div_euclid(1_000_000) / 1000,
        _ => total.div_euclid(1_000_000),
    } as i64)
}

pub fn date_trunc(
    v: &Scalar<'_>,
    unit: Unit,
    name: &str,
) -> Result<Option<NaiveDateTime>, EvalError> {
    let ts = match v {
        Scalar::Timestamp(ts) => *ts,
        Scalar::Date(d) => d.and_time(NaiveTime::MIN),
        _ => return Ok(None),
    };
    let (d, t) = (ts.date(), ts.time());
    let (y, mo, day, h, mi, s) = (
        d.year(),
        d.month(),
        d.day(),
        t.hour(),
        t.minute(),
        t.second(),
    );
    let (mo, day, h, mi, s) = match unit {
        Unit::Year => (1, 1, 0, 0, 0),
        Unit::Month => (mo, 1, 0, 0, 0),
        Unit::Day => (mo, day, 0, 0, 0),
        Unit::Hour => (mo, day, h, 0, 0),
        Unit::Minute => (mo, day, h, mi, 0),
        Unit::Second => (mo, day, h, mi, s),
        other => {
            return Err(EvalError::Unsupported(format!(
                "Unsupported dateTimeField: {other:?} for function: {name}"
            )))
        }
    };
    Ok(NaiveDate::from_ymd_opt(y, mo, day).and_then(|d| d.and_hms_opt(h, mi, s)))
}

/// `WeekFields.ISO.weekOfYear()`: Monday-first weeks, week 1 being the first with four days in
/// the year; days before it are week 0.
fn iso_week_of_year(d: NaiveDate) -> i64 {
    let jan1 = d.with_ordinal(1).expect("every year has day 1");
    let w = jan1.weekday().num_days_from_monday() as i64;
    (d.ordinal0() as i64 + w) / 7 + if w <= 3 { 1 } else { 0 }
}

/// WEEK(): SeaTunnel takes the JVM's default locale, which is Sunday-first weeks starting on
/// January 1 for the `en_US` locale its images run with.
pub fn locale_week_of_year(d: NaiveDate) -> i64 {
    let jan1 = d.with_ordinal(1).expect("every year has day 1");
    (d.ordinal0() as i64 + jan1.weekday().num_days_from_sunday() as i64) / 7 + 1
}

pub fn extract(v: &Scalar<'_>, field: Field) -> Option<i64> {
    let (date, time) = parts(v);
    let year = || date.map(|d| d.year() as i64);
    Some(match field {
        Field::Year => year()?,
        Field::Month => date?.month() as i64,
        Field::Day => date?.day() as i64,
        Field::Hour => time?.hour() as i64,
        Field::Minute => time?.minute() as i64,
        Field::Second => time?.second() as i64,
        Field::Millisecond => (time?.nanosecond() / 1_000_000) as i64,
        Field::Microsecond => (time?.nanosecond() / 1_000) as i64,
        Field::Epoch => {
            let d = date?;
            d.and_time(time.unwrap_or(NaiveTime::MIN))
                .and_utc()
                .timestamp()
        }
        Field::Quarter => (date?.month0() / 3 + 1) as i64,
        Field::Week => iso_week_of_year(date?),
        Field::Century => {
            let y = year()?;
            if y > 0 {
                (y - 1) / 100 + 1
            } else {
                y / 100
            }
        }
        Field::Decade => year()? / 10,
        Field::DayOfWeek => date?.weekday().num_days_from_sunday() as i64,
        Field::IsoDayOfWeek => date?.weekday().number_from_monday() as i64,
        Field::DayOfYear => date?.ordinal() as i64,
        Field::IsoYear => date?.iso_week().year() as i64,
        Field::Millennium => {
            let y = year()?;
            if y > 0 {
                (y - 1) / 1000 + 1
            } else {
                y / 1000
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
    }

    #[test]
    fn date_add_moves_by_calendar_units() {
        let t = Scalar::Timestamp(ts("2021-04-15T13:34:45"));
        let add = |n, u| date_add(t.clone(), n, u).unwrap();
        assert_eq!(
            add(1, Unit::Day),
            Scalar::Timestamp(ts("2021-04-16T13:34:45"))
        );
        assert_eq!(
            add(40, Unit::Day),
            Scalar::Timestamp(ts("2021-05-25T13:34:45"))
        );
        assert_eq!(
            add(2, Unit::Year),
            Scalar::Timestamp(ts("2023-04-15T13:34:45"))
        );
        assert_eq!(
            add(10, Unit::Month),
            Scalar::Timestamp(ts("2022-02-15T13:34:45"))
        );
        assert_eq!(
            add(13, Unit::Hour),
            Scalar::Timestamp(ts("2021-04-16T02:34:45"))
        );
        assert_eq!(
            add(40, Unit::Minute),
            Scalar::Timestamp(ts("2021-04-15T14:14:45"))
        );
        assert_eq!(
            add(30, Unit::Second),
            Scalar::Timestamp(ts("2021-04-15T13:35:15"))
        );
        let jan31 = Scalar::Date(NaiveDate::from_ymd_opt(2021, 1, 31).unwrap());
        assert_eq!(
            date_add(jan31.clone(), 1, Unit::Month).unwrap(),
            Scalar::Date(NaiveDate::from_ymd_opt(2021, 2, 28).unwrap())
        );
        assert_eq!(
            date_add(jan31.clone(), 1, Unit::Hour).unwrap(),
            jan31,
            "dates ignore time units"
        );
    }

    #[test]
    fn date_diff_counts_like_java() {
        let (a, b) = (
            Scalar::Timestamp(ts("2021-04-15T13:34:45")),
            Scalar::Timestamp(ts("2022-01-23T12:34:56")),
        );
        let diff = |u| date_diff(&a, &b, u).unwrap();
        assert_eq!(diff(Unit::Day), 283);
        assert_eq!(diff(Unit::Year), 0);
        assert_eq!(diff(Unit::Month), 9);
        assert_eq!(diff(Unit::Hour), 6791);
        assert_eq!(diff(Unit::Minute), 407460);
        assert_eq!(diff(Unit::Second), 24447611);
        assert_eq!(date_diff(&b, &a, Unit::Second), Some(-24447611));
    }

    #[test]
    fn truncation_and_fields() {
        let v = Scalar::Timestamp(ts("2021-04-15T13:34:45.235"));
        assert_eq!(
            date_trunc(&v, Unit::Year, "DATE_TRUNC").unwrap(),
            Some(ts("2021-01-01T00:00:00"))
        );
        assert_eq!(
            date_trunc(&v, Unit::Second, "DATE_TRUNC").unwrap(),
            Some(ts("2021-04-15T13:34:45"))
        );
        assert_eq!(extract(&v, Field::Millisecond), Some(235));
        assert_eq!(extract(&v, Field::DayOfWeek), Some(4));
        assert_eq!(extract(&v, Field::DayOfYear), Some(105));
        assert_eq!(extract(&v, Field::Epoch), Some(1618493685));
        assert_eq!(extract(&Scalar::Time(NaiveTime::MIN), Field::Year), None);
    }

    #[test]
    fn week_numbers() {
        let d = NaiveDate::from_ymd_opt(2021, 4, 8).unwrap();
        assert_eq!(locale_week_of_year(d), 15);
        assert_eq!(iso_week_of_year(d), 14);
        assert_eq!(
            iso_week_of_year(NaiveDate::from_ymd_opt(2021, 1, 2).unwrap()),
            0
        );
        assert_eq!(
            iso_week_of_year(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            1
        );
    }

    #[test]
    fn zones_are_fixed_offsets() {
        assert_eq!(
            Zone::parse("UTC+8").unwrap(),
            Zone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap())
        );
        assert_eq!(
            Zone::parse("+05:30").unwrap(),
            Zone::Fixed(FixedOffset::east_opt(19800).unwrap())
        );
        assert_eq!(
            Zone::parse("GMT-0130").unwrap(),
            Zone::Fixed(FixedOffset::west_opt(5400).unwrap())
        );
        assert_eq!(
            Zone::parse("Z").unwrap(),
            Zone::Fixed(FixedOffset::east_opt(0).unwrap())
        );
        assert!(Zone::parse("Asia/Shanghai").is_err());
        assert!(Zone::parse("UTC+19").is_err());
        let z = Zone::parse("UTC+8").unwrap();
        assert_eq!(
            z.local_from_epoch_seconds(1672502400),
            Some(ts("2023-01-01T00:00:00"))
        );
    }
}
