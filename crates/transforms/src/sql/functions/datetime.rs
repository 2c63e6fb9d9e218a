//! Date and time functions (`DateTimeFunction` in SeaTunnel). Values have no time zone
//! (`LocalDate`, `LocalTime`, `LocalDateTime`); "now" and epoch conversions without an explicit
//! zone use the system zone, as the JVM's default zone does.

use std::borrow::Cow;

use chrono::{Datelike, Timelike};

use crate::sql::error::{EvalError, SqlError};
use crate::sql::expr::{Expr, Row};
use crate::sql::scalar::Scalar;
use seatunnel_data::java::time::{TimeError, DAY_NAMES, MONTH_NAMES};
use seatunnel_data::java::time_pattern::{Parts, Resolve, TimePattern};
use seatunnel_data::DataType;

use super::calendar::{date_add, date_diff, date_trunc, extract, locale_week_of_year, parts};
pub use super::calendar::{Field, Unit, Zone};
use super::{check_args, literal_str, or_null, text, Arg, Call, Prep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTimeFn {
    CurrentDate,
    CurrentTime,
    CurrentTimestamp,
    DateAdd,
    DateDiff,
    DateTrunc,
    DayName,
    DayOfMonth,
    DayOfWeek,
    DayOfYear,
    Extract,
    FormatDateTime,
    Hour,
    Minute,
    Month,
    MonthName,
    ParseDateTime,
    IsDate,
    Quarter,
    Second,
    Week,
    Year,
    FromUnixtime,
}

/// What PARSEDATETIME/TO_DATE returns for a pattern, by SeaTunnel's rule: a pattern with both
/// `yy` and `mm` is a timestamp, with only `yy` a date, with only `mm` a time.
pub fn resolve_of(pattern: &str) -> Option<Resolve> {
    match (pattern.contains("yy"), pattern.contains("mm")) {
        (true, true) => Some(Resolve::DateTime),
        (true, false) => Some(Resolve::Date),
        (false, true) => Some(Resolve::Time),
        _ => None,
    }
}

fn resolve_type(r: Resolve) -> DataType {
    match r {
        Resolve::DateTime => DataType::Timestamp,
        Resolve::Date => DataType::Date,
        Resolve::Time => DataType::Time,
    }
}

pub fn lookup(name: &str) -> Option<DateTimeFn> {
    use DateTimeFn::*;
    Some(match name {
        "CURRENT_DATE" => CurrentDate,
        "CURRENT_TIME" => CurrentTime,
        "CURRENT_TIMESTAMP" | "NOW" => CurrentTimestamp,
        "DATEADD" | "TIMESTAMPADD" => DateAdd,
        "DATEDIFF" => DateDiff,
        "DATE_TRUNC" => DateTrunc,
        "DAYNAME" => DayName,
        "DAY_OF_MONTH" => DayOfMonth,
        "DAY_OF_WEEK" => DayOfWeek,
        "DAY_OF_YEAR" => DayOfYear,
        "EXTRACT" => Extract,
        "FORMATDATETIME" => FormatDateTime,
        "HOUR" => Hour,
        "MINUTE" => Minute,
        "MONTH" => Month,
        "MONTHNAME" => MonthName,
        "PARSEDATETIME" | "TO_DATE" => ParseDateTime,
        "IS_DATE" => IsDate,
        "QUARTER" => Quarter,
        "SECOND" => Second,
        "WEEK" => Week,
        "YEAR" => Year,
        "FROM_UNIXTIME" => FromUnixtime,
        _ => return None,
    })
}

fn literal_unit(name: &str, args: &[Expr], i: usize) -> Result<Prep, SqlError> {
    match literal_str(args, i) {
        Some(u) => Unit::parse(u)
            .map(Prep::Unit)
            .ok_or_else(|| SqlError::NotSupported(format!("{name} unit '{u}'"))),
        None if args.len() <= i => Ok(Prep::Unit(Unit::Day)),
        None => Ok(Prep::None),
    }
}

fn compile(p: &str) -> Result<TimePattern, SqlError> {
    TimePattern::compile(p).map_err(SqlError::Invalid)
}

pub fn bind(f: DateTimeFn, name: &str, args: &[Expr]) -> Result<(DataType, Prep), SqlError> {
    use Arg::*;
    use DateTimeFn::*;
    let check = |min, max, kinds: &[Arg]| check_args(name, args, min, max, kinds);
    Ok(match f {
        CurrentDate => (check(0, Some(0), &[]).map(|_| DataType::Date)?, Prep::None),
        CurrentTime => (check(0, Some(0), &[]).map(|_| DataType::Time)?, Prep::None),
        CurrentTimestamp => (
            check(0, Some(0), &[]).map(|_| DataType::Timestamp)?,
            Prep::None,
        ),
        DateAdd => {
            check(2, Some(3), &[Temporal, Num, Str])?;
            (args[0].ty.clone(), literal_unit(name, args, 2)?)
        }
        DateDiff => {
            check(2, Some(3), &[Temporal, Temporal, Str])?;
            let time = |e: &Expr| e.ty == DataType::Time;
            if time(&args[0]) != time(&args[1])
                && args.iter().take(2).all(|a| a.ty != DataType::Null)
            {
                return Err(SqlError::NotSupported(format!(
                    "{name} between {} and {}",
                    args[0].ty, args[1].ty
                )));
            }
            (DataType::BigInt, literal_unit(name, args, 2)?)
        }
        DateTrunc => {
            check(1, Some(2), &[DateLike, Str])?;
            (DataType::Timestamp, literal_unit(name, args, 1)?)
        }
        DayName | MonthName => (
            check(1, Some(1), &[DateLike]).map(|_| DataType::String)?,
            Prep::None,
        ),
        DayOfMonth | DayOfWeek | DayOfYear | Month | Quarter | Week | Year => (
            check(1, Some(1), &[DateLike]).map(|_| DataType::Int)?,
            Prep::None,
        ),
        Hour | Minute | Second => (
            check(1, Some(1), &[TimeLike]).map(|_| DataType::Int)?,
            Prep::None,
        ),
        Extract => {
            check(2, Some(2), &[Temporal, Str])?;
            let text = literal_str(args, 1).unwrap_or_default();
            let field = Field::parse(text)
                .ok_or_else(|| SqlError::NotSupported(format!("EXTRACT field {text}")))?;
            let ty = if field == Field::Epoch {
                DataType::BigInt
            } else {
                DataType::Int
            };
            (ty, Prep::Extract(field))
        }
        FormatDateTime => {
            check(2, Some(2), &[Temporal, Str])?;
            let prep = match literal_str(args, 1) {
                Some(p) => Prep::Pattern(compile(p)?),
                None => Prep::None,
            };
            (DataType::String, prep)
        }
        ParseDateTime | IsDate => {
            check(2, Some(2), &[Str, Str])?;
            let pattern = literal_str(args, 1);
            let prep = match pattern {
                Some(p) => {
                    let r = resolve_of(p).ok_or_else(|| {
                        SqlError::Invalid(format!("{name} pattern '{p}' has neither a year (yy) nor minutes (mm)"))
                    })?;
                    Prep::Parse(compile(p)?, r)
                }
                None if f == IsDate => Prep::None,
                None => {
                    return Err(SqlError::NotSupported(format!(
                        "{name} with a pattern that is not a string literal (the result type depends on it)"
                    )))
                }
            };
            let ty = match &prep {
                _ if f == IsDate => DataType::Boolean,
                Prep::Parse(_, r) => resolve_type(*r),
                _ => DataType::Null,
            };
            (ty, prep)
        }
        FromUnixtime => {
            check(2, Some(3), &[Num, Str, Str])?;
            let zone = match (args.get(2), literal_str(args, 2)) {
                (None, _) => Some(Zone::System),
                (Some(_), Some(z)) => Some(Zone::parse(z).map_err(SqlError::Invalid)?),
                _ => None,
            };
            let prep = match (literal_str(args, 1), zone) {
                (Some(p), Some(z)) => Prep::PatternZone(compile(p)?, z),
                _ => Prep::None,
            };
            (DataType::String, prep)
        }
    })
}

fn unit_of(call: &Call, row: Row<'_>, i: usize) -> Result<Unit, EvalError> {
    if let Prep::Unit(u) = call.prep {
        return Ok(u);
    }
    match call.str_arg(i, row)? {
        None => Ok(Unit::Day),
        Some(u) => Unit::parse(&u).ok_or_else(|| {
            EvalError::Unsupported(format!(
                "Unsupported dateTimeField: {u} for function: {}",
                call.name
            ))
        }),
    }
}

fn parse_with(pattern: &TimePattern, r: Resolve, s: &str) -> Result<Scalar<'static>, EvalError> {
    let (d, t) = pattern.parse(s, r)?;
    Ok(match (r, d, t) {
        (Resolve::DateTime, Some(d), Some(t)) => Scalar::Timestamp(d.and_time(t)),
        (Resolve::Date, Some(d), _) => Scalar::Date(d),
        (Resolve::Time, _, Some(t)) => Scalar::Time(t),
        _ => Scalar::Null,
    })
}

pub fn eval<'a>(f: DateTimeFn, call: &'a Call, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
    use DateTimeFn::*;
    let now = || chrono::Local::now().naive_local();
    let v0 = || call.arg(0, row);
    let int = |v: Option<i64>| or_null(v.map(|n| Scalar::Int(n as i32)));
    Ok(match f {
        CurrentDate => Scalar::Date(now().date()),
        CurrentTime => Scalar::Time(now().time()),
        CurrentTimestamp => Scalar::Timestamp(now()),
        DateAdd => {
            let v = v0()?;
            let Some(n) = call.i64_arg(1, row)? else {
                return Ok(Scalar::Null);
            };
            if v.is_null() {
                return Ok(Scalar::Null);
            }
            date_add(v, n, unit_of(call, row, 2)?)?
        }
        DateDiff => {
            let (a, b) = (v0()?, call.arg(1, row)?);
            if a.is_null() || b.is_null() {
                return Ok(Scalar::Null);
            }
            or_null(date_diff(&a, &b, unit_of(call, row, 2)?).map(Scalar::BigInt))
        }
        DateTrunc => {
            let v = v0()?;
            if v.is_null() {
                return Ok(Scalar::Null);
            }
            or_null(date_trunc(&v, unit_of(call, row, 1)?, &call.name)?.map(Scalar::Timestamp))
        }
        DayName => or_null(
            parts(&v0()?)
                .0
                .map(|d| text(DAY_NAMES[d.weekday().num_days_from_monday() as usize].to_string())),
        ),
        MonthName => or_null(
            parts(&v0()?)
                .0
                .map(|d| text(MONTH_NAMES[d.month0() as usize].to_string())),
        ),
        DayOfMonth => int(parts(&v0()?).0.map(|d| d.day() as i64)),
        DayOfWeek => int(parts(&v0()?)
            .0
            .map(|d| d.weekday().number_from_monday() as i64)),
        DayOfYear => int(parts(&v0()?).0.map(|d| d.ordinal() as i64)),
        Month => int(parts(&v0()?).0.map(|d| d.month() as i64)),
        Year => int(parts(&v0()?).0.map(|d| d.year() as i64)),
        Quarter => int(parts(&v0()?).0.map(|d| (d.month0() / 3 + 1) as i64)),
        Week => int(parts(&v0()?).0.map(locale_week_of_year)),
        Hour => int(parts(&v0()?).1.map(|t| t.hour() as i64)),
        Minute => int(parts(&v0()?).1.map(|t| t.minute() as i64)),
        Second => int(parts(&v0()?).1.map(|t| t.second() as i64)),
        Extract => {
            let Prep::Extract(field) = call.prep else {
                unreachable!("bind prepares the field")
            };
            let v = extract(&v0()?, field);
            if field == Field::Epoch {
                or_null(v.map(Scalar::BigInt))
            } else {
                int(v)
            }
        }
        FormatDateTime => {
            let v = v0()?;
            let (d, t) = parts(&v);
            if v.is_null() {
                return Ok(Scalar::Null);
            }
            match &call.prep {
                Prep::Pattern(p) => text(p.format_string(Parts { date: d, time: t })?),
                _ => match call.str_arg(1, row)? {
                    None => Scalar::Null,
                    Some(p) => {
                        let p = TimePattern::compile(&p).map_err(EvalError::IllegalArgument)?;
                        text(p.format_string(Parts { date: d, time: t })?)
                    }
                },
            }
        }
        ParseDateTime => {
            let Some(s) = call.str_arg(0, row)? else {
                return Ok(Scalar::Null);
            };
            let Prep::Parse(p, r) = &call.prep else {
                unreachable!("bind requires a literal pattern")
            };
            parse_with(p, *r, &s)?
        }
        IsDate => {
            let Some(s) = call.str_arg(0, row)?.filter(|s| !s.is_empty()) else {
                return Ok(Scalar::Bool(false));
            };
            Scalar::Bool(match &call.prep {
                Prep::Parse(p, r) => parse_with(p, *r, &s).is_ok(),
                _ => match call.str_arg(1, row)? {
                    None => false,
                    Some(p) => match (resolve_of(&p), TimePattern::compile(&p)) {
                        (Some(r), Ok(p)) => parse_with(&p, r, &s).is_ok(),
                        _ => false,
                    },
                },
            })
        }
        FromUnixtime => {
            let Some(secs) = call.i64_arg(0, row)? else {
                return Ok(Scalar::Null);
            };
            let (pattern, zone) = match &call.prep {
                Prep::PatternZone(p, z) => (Cow::Borrowed(p), *z),
                _ => {
                    let Some(p) = call.str_arg(1, row)? else {
                        return Ok(Scalar::Null);
                    };
                    let p = TimePattern::compile(&p).map_err(EvalError::IllegalArgument)?;
                    let z = match call.str_arg(2, row)? {
                        Some(z) => {
                            Zone::parse(&z).map_err(|e| EvalError::Time(TimeError::Invalid(e)))?
                        }
                        None => Zone::System,
                    };
                    (Cow::Owned(p), z)
                }
            };
            let ts = zone.local_from_epoch_seconds(secs).ok_or_else(|| {
                EvalError::Time(TimeError::Invalid(format!(
                    "Instant exceeds minimum or maximum instant: {secs}"
                )))
            })?;
            text(pattern.format_string(Parts {
                date: Some(ts.date()),
                time: Some(ts.time()),
            })?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_result_types_follow_the_pattern() {
        assert_eq!(
            resolve_of("yyyy-MM-dd HH:mm:ss.SSS"),
            Some(Resolve::DateTime)
        );
        assert_eq!(resolve_of("yyyy-MM-dd"), Some(Resolve::Date));
        assert_eq!(resolve_of("HH:mm:ss"), Some(Resolve::Time));
        assert_eq!(resolve_of("dd"), None);
    }
}
