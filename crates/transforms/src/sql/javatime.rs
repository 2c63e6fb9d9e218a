//! Java `DateTimeFormatter.ofPattern` patterns (`yyyy-MM-dd HH:mm:ss.SSS`), for FORMATDATETIME,
//! TO_CHAR, PARSEDATETIME/TO_DATE, IS_DATE and FROM_UNIXTIME.
//!
//! A pattern is compiled once (at bind time when it is a literal) into items; formatting and
//! parsing then walk the items. Parsing follows Java's SMART resolver for what SeaTunnel users
//! write: fixed-width fields take exactly their width, a variable-width field leaves room for
//! the fixed-width fields right after it (`yyyyMMdd`), and an impossible day of month such as
//! February 30 is moved back to the month's last day.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use super::cast::{date_of, time_of};
use super::error::EvalError;

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
/// Pattern letters Java reserves; any other ASCII letter outside quotes is an error there too.
const RESERVED: &str = "#{}[]";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(String),
    Field { letter: char, count: usize },
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPattern {
    items: Vec<Item>,
}

/// What a value offers to format: a date, a time, or both.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
}

/// What the parsed text resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    Date,
    Time,
    DateTime,
}

impl JavaPattern {
    pub fn compile(pattern: &str) -> Result<JavaPattern, String> {
        let mut items = Vec::new();
        let mut chars = pattern.chars().peekable();
        let mut literal = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    literal.push('\'');
                    continue;
                }
                loop {
                    match chars.next() {
                        None => return Err(format!("pattern '{pattern}' has an unclosed quote")),
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            literal.push('\'');
                        }
                        Some('\'') => break,
                        Some(other) => literal.push(other),
                    }
                }
            } else if c.is_ascii_alphabetic() {
                let mut count = 1;
                while chars.peek() == Some(&c) {
                    chars.next();
                    count += 1;
                }
                check_letter(c, count).map_err(|e| format!("pattern '{pattern}': {e}"))?;
                if !literal.is_empty() {
                    items.push(Item::Literal(std::mem::take(&mut literal)));
                }
                items.push(Item::Field { letter: c, count });
            } else if RESERVED.contains(c) {
                return Err(format!("pattern '{pattern}': '{c}' (optional sections and reserved characters) is not supported"));
            } else {
                literal.push(c);
            }
        }
        if !literal.is_empty() {
            items.push(Item::Literal(literal));
        }
        Ok(JavaPattern { items })
    }

    pub fn format(&self, parts: Parts, out: &mut String) -> Result<(), EvalError> {
        for item in &self.items {
            match item {
                Item::Literal(s) => out.push_str(s),
                Item::Field { letter, count } => format_field(*letter, *count, parts, out)?,
            }
        }
        Ok(())
    }

    /// Parses `text` completely and resolves it to the requested kind of value.
    pub fn parse(
        &self,
        text: &str,
        want: Resolve,
    ) -> Result<(Option<NaiveDate>, Option<NaiveTime>), EvalError> {
        let mut fields = Fields::default();
        let mut pos = 0;
        for (i, item) in self.items.iter().enumerate() {
            let rest = &text[pos..];
            match item {
                Item::Literal(lit) => {
                    if !rest.starts_with(lit.as_str()) {
                        return Err(at_index(text, pos));
                    }
                    pos += lit.len();
                }
                Item::Field { letter, count } => {
                    let used =
                        parse_field(*letter, *count, rest, self.reserved_after(i), &mut fields)
                            .ok_or_else(|| at_index(text, pos))?;
                    pos += used;
                }
            }
        }
        if pos != text.len() {
            return Err(EvalError::DateTimeParse {
                text: text.to_string(),
                detail: format!(", unparsed text found at index {pos}"),
            });
        }
        fields.resolve(text, want)
    }

    /// Digits the fixed-width numeric fields right after item `i` need, which a variable-width
    /// field must leave for them.
    fn reserved_after(&self, i: usize) -> usize {
        self.items[i + 1..]
            .iter()
            .map_while(|item| match item {
                Item::Field { letter, count } => fixed_width(*letter, *count),
                Item::Literal(_) => None,
            })
            .sum()
    }
}

fn at_index(text: &str, pos: usize) -> EvalError {
    EvalError::DateTimeParse {
        text: text.to_string(),
        detail: format!(" at index {pos}"),
    }
}

fn check_letter(c: char, count: usize) -> Result<(), String> {
    let max = match c {
        'y' | 'u' | 'n' | 'N' | 'A' => 19,
        'M' | 'L' | 'Q' | 'q' | 'E' | 'G' => 5,
        'D' => 3,
        'S' => 9,
        'd' | 'H' | 'h' | 'K' | 'k' | 'm' | 's' => 2,
        'a' => 1,
        other => return Err(format!("pattern letter '{other}' is not supported")),
    };
    if count > max {
        return Err(format!("too many pattern letters '{c}'"));
    }
    Ok(())
}

/// The width of a field that always has exactly that many digits.
fn fixed_width(letter: char, count: usize) -> Option<usize> {
    match letter {
        'y' | 'u' if count == 2 => Some(2),
        'M' | 'L' | 'Q' | 'q' if count == 2 => Some(2),
        'd' | 'H' | 'h' | 'K' | 'k' | 'm' | 's' | 'D' if count >= 2 => Some(count),
        'S' => Some(count),
        _ => None,
    }
}

fn need_date(parts: Parts, field: &'static str) -> Result<NaiveDate, EvalError> {
    parts.date.ok_or(EvalError::UnsupportedField(field))
}

fn need_time(parts: Parts, field: &'static str) -> Result<NaiveTime, EvalError> {
    parts.time.ok_or(EvalError::UnsupportedField(field))
}

fn pad(out: &mut String, value: i64, width: usize) {
    use std::fmt::Write as _;
    if value < 0 {
        out.push('-');
    }
    let _ = write!(out, "{:0width$}", value.unsigned_abs());
}

fn format_field(
    letter: char,
    count: usize,
    parts: Parts,
    out: &mut String,
) -> Result<(), EvalError> {
    match letter {
        'y' | 'u' => {
            let year = need_date(parts, "YearOfEra")?.year() as i64;
            let year = if letter == 'y' && year <= 0 {
                1 - year
            } else {
                year
            };
            if count == 2 {
                pad(out, year.rem_euclid(100), 2);
            } else {
                if count >= 4 && year.unsigned_abs().to_string().len() > count && year > 0 {
                    out.push('+');
                }
                pad(out, year, count);
            }
        }
        'M' | 'L' => {
            let m = need_date(parts, "MonthOfYear")?.month() as usize;
            match count {
                1 | 2 => pad(out, m as i64, count),
                3 => out.push_str(&MONTH_NAMES[m - 1][..3]),
                4 => out.push_str(MONTH_NAMES[m - 1]),
                _ => out.push_str(&MONTH_NAMES[m - 1][..1]),
            }
        }
        'Q' | 'q' => {
            let q = (need_date(parts, "QuarterOfYear")?.month0() / 3 + 1) as i64;
            match count {
                1 | 2 => pad(out, q, count),
                3 => {
                    out.push('Q');
                    pad(out, q, 1)
                }
                4 => out.push_str(["1st", "2nd", "3rd", "4th"][q as usize - 1]),
                _ => pad(out, q, 1),
            }
            if count == 4 {
                out.push_str(" quarter");
            }
        }
        'd' => pad(out, need_date(parts, "DayOfMonth")?.day() as i64, count),
        'D' => pad(out, need_date(parts, "DayOfYear")?.ordinal() as i64, count),
        'E' => {
            let name = DAY_NAMES[need_date(parts, "DayOfWeek")?
                .weekday()
                .num_days_from_monday() as usize];
            match count {
                4 => out.push_str(name),
                5 => out.push_str(&name[..1]),
                _ => out.push_str(&name[..3]),
            }
        }
        'G' => {
            let ad = need_date(parts, "Era")?.year() > 0;
            out.push_str(match (count, ad) {
                (4, true) => "Anno Domini",
                (4, false) => "Before Christ",
                (5, true) => "A",
                (5, false) => "B",
                (_, true) => "AD",
                (_, false) => "BC",
            });
        }
        'a' => out.push_str(if need_time(parts, "AmPmOfDay")?.hour() < 12 {
            "AM"
        } else {
            "PM"
        }),
        'H' => pad(out, need_time(parts, "HourOfDay")?.hour() as i64, count),
        'k' => {
            let h = need_time(parts, "ClockHourOfDay")?.hour();
            pad(out, if h == 0 { 24 } else { h } as i64, count)
        }
        'K' => pad(
            out,
            (need_time(parts, "HourOfAmPm")?.hour() % 12) as i64,
            count,
        ),
        'h' => {
            let h = need_time(parts, "ClockHourOfAmPm")?.hour() % 12;
            pad(out, if h == 0 { 12 } else { h } as i64, count)
        }
        'm' => pad(
            out,
            need_time(parts, "MinuteOfHour")?.minute() as i64,
            count,
        ),
        's' => pad(
            out,
            need_time(parts, "SecondOfMinute")?.second() as i64,
            count,
        ),
        'S' => {
            let nanos = need_time(parts, "NanoOfSecond")?
                .nanosecond()
                .min(999_999_999) as i64;
            pad(out, nanos / 10i64.pow(9 - count as u32), count);
        }
        'n' => pad(
            out,
            need_time(parts, "NanoOfSecond")?.nanosecond() as i64,
            count,
        ),
        'A' => {
            let t = need_time(parts, "MilliOfDay")?;
            pad(
                out,
                t.num_seconds_from_midnight() as i64 * 1000 + t.nanosecond() as i64 / 1_000_000,
                count,
            )
        }
        'N' => {
            let t = need_time(parts, "NanoOfDay")?;
            pad(
                out,
                t.num_seconds_from_midnight() as i64 * 1_000_000_000 + t.nanosecond() as i64,
                count,
            )
        }
        _ => unreachable!("letters are checked at compile"),
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Fields {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour: Option<i64>,
    hour_of_ampm: Option<i64>,
    pm: Option<bool>,
    minute: Option<i64>,
    second: Option<i64>,
    nano: Option<i64>,
}

/// Reads `min..=max` ASCII digits from the start of `s`.
fn digits(s: &str, min: usize, max: usize) -> Option<(i64, usize)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min || n == 0 {
        return None;
    }
    Some((s[..n].parse().ok()?, n))
}

/// Matches one of `names` (full, or its first three letters when `short`) at the start of `s`.
fn name_index(s: &str, names: &[&str], short: bool) -> Option<(usize, usize)> {
    names.iter().enumerate().find_map(|(i, n)| {
        let n = if short { &n[..3] } else { n };
        s.starts_with(n).then_some((i, n.len()))
    })
}

/// Parses one field at the start of `s`; returns the bytes used.
fn parse_field(
    letter: char,
    count: usize,
    s: &str,
    reserved: usize,
    f: &mut Fields,
) -> Option<usize> {
    let variable = |min: usize| {
        let available = s.bytes().take_while(u8::is_ascii_digit).count();
        let max = available.saturating_sub(reserved).max(min);
        digits(s, min, max)
    };
    let (value, used) = match (letter, count) {
        ('M' | 'L', 3 | 4) => {
            let (i, n) = name_index(s, &MONTH_NAMES, count == 3)?;
            f.month = Some(i as i64 + 1);
            return Some(n);
        }
        ('E', _) => {
            let (_, n) = name_index(s, &DAY_NAMES, count != 4)?;
            return Some(n);
        }
        ('a', _) => {
            let pm = if s.starts_with("AM") {
                false
            } else if s.starts_with("PM") {
                true
            } else {
                return None;
            };
            f.pm = Some(pm);
            return Some(2);
        }
        ('G', _) => {
            return ["AD", "BC"]
                .iter()
                .find(|e| s.starts_with(*e))
                .map(|e| e.len())
        }
        ('y' | 'u', 2) => {
            let (v, n) = digits(s, 2, 2)?;
            (2000 + v, n)
        }
        ('y' | 'u', c) => variable(c.clamp(1, 4))?,
        ('S', c) => {
            let (v, n) = digits(s, c, c)?;
            f.nano = Some(v * 10i64.pow(9 - c as u32));
            return Some(n);
        }
        (_, c) => match fixed_width(letter, c) {
            Some(w) => digits(s, w, w)?,
            None => variable(1)?,
        },
    };
    let slot = match letter {
        'y' | 'u' => &mut f.year,
        'M' | 'L' => &mut f.month,
        'd' => &mut f.day,
        'D' => &mut f.day_of_year,
        'H' => &mut f.hour,
        'k' => {
            f.hour = Some(value % 24);
            return Some(used);
        }
        'K' | 'h' => &mut f.hour_of_ampm,
        'm' => &mut f.minute,
        's' => &mut f.second,
        'n' => &mut f.nano,
        _ => return Some(used),
    };
    *slot = Some(value);
    Some(used)
}

impl Fields {
    fn resolve(
        &self,
        text: &str,
        want: Resolve,
    ) -> Result<(Option<NaiveDate>, Option<NaiveTime>), EvalError> {
        let target = match want {
            Resolve::DateTime => "LocalDateTime",
            Resolve::Date => "LocalDate",
            Resolve::Time => "LocalTime",
        };
        let missing = || EvalError::DateTimeParse {
            text: text.to_string(),
            detail: format!(": Unable to obtain {target} from TemporalAccessor"),
        };
        let invalid = |e: EvalError| EvalError::DateTimeParse {
            text: text.to_string(),
            detail: format!(
                ": {}",
                e.to_string()
                    .trim_start_matches("java.time.DateTimeException: ")
            ),
        };
        let date = if want == Resolve::Time {
            None
        } else {
            let year = self.year.ok_or_else(missing)?;
            Some(match (self.month, self.day, self.day_of_year) {
                (Some(m), Some(d), _) => {
                    let clamped = if (29..=31).contains(&d) {
                        d.min(month_length(year, m))
                    } else {
                        d
                    };
                    date_of(year, m, clamped).map_err(invalid)?
                }
                (None, None, Some(doy)) => i32::try_from(year)
                    .ok()
                    .and_then(|y| NaiveDate::from_yo_opt(y, doy as u32))
                    .ok_or_else(missing)?,
                _ => return Err(missing()),
            })
        };
        let time = if want == Resolve::Date {
            None
        } else {
            let hour = match (self.hour, self.hour_of_ampm, self.pm) {
                (Some(h), _, _) => h,
                (None, Some(h), Some(pm)) => h % 12 + if pm { 12 } else { 0 },
                _ => return Err(missing()),
            };
            let t = time_of(hour, self.minute.unwrap_or(0), self.second.unwrap_or(0))
                .map_err(invalid)?;
            Some(
                t.with_nanosecond(self.nano.unwrap_or(0) as u32)
                    .unwrap_or(t),
            )
        };
        Ok((date, time))
    }
}

fn month_length(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats a timestamp, date or time with a compiled pattern.
pub fn format_parts(
    pattern: &JavaPattern,
    date: Option<NaiveDate>,
    time: Option<NaiveTime>,
) -> Result<String, EvalError> {
    let mut out = String::new();
    pattern.format(Parts { date, time }, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
    }

    fn fmt(p: &str, t: NaiveDateTime) -> String {
        format_parts(
            &JavaPattern::compile(p).unwrap(),
            Some(t.date()),
            Some(t.time()),
        )
        .unwrap()
    }

    #[test]
    fn formats_like_java() {
        let t = ts("2021-04-08T13:34:45.235");
        assert_eq!(fmt("yyyy-MM-dd HH:mm:ss.S", t), "2021-04-08 13:34:45.2");
        assert_eq!(fmt("yyyy-MM-dd", t), "2021-04-08");
        assert_eq!(fmt("HH:mm:ss.SSS", t), "13:34:45.235");
        assert_eq!(
            fmt("yy/M/d h:mm a EEEE MMMM", t),
            "21/4/8 1:34 PM Thursday April"
        );
        assert_eq!(fmt("yyyy-MM-dd'T'HH:mm:ss", t), "2021-04-08T13:34:45");
        assert_eq!(fmt("''yyyy''", t), "'2021'");
        assert_eq!(fmt("QQQ QQQQ D DDD G E", t), "Q2 2nd quarter 98 098 AD Thu");
    }

    #[test]
    fn dates_cannot_format_time_fields() {
        let p = JavaPattern::compile("HH").unwrap();
        let e = format_parts(&p, NaiveDate::from_ymd_opt(2021, 1, 1), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "java.time.temporal.UnsupportedTemporalTypeException: Unsupported field: HourOfDay"
        );
    }

    #[test]
    fn parses_complete_text() {
        let p = JavaPattern::compile("yyyy-MM-dd HH:mm:ss.SSS").unwrap();
        let (d, t) = p
            .parse("2021-04-08 13:34:45.235", Resolve::DateTime)
            .unwrap();
        assert_eq!(
            d.unwrap().and_time(t.unwrap()),
            ts("2021-04-08T13:34:45.235")
        );
        let e = p
            .parse("2021-04-08 13:34:45", Resolve::DateTime)
            .unwrap_err();
        assert_eq!(e.to_string(), "java.time.format.DateTimeParseException: Text '2021-04-08 13:34:45' could not be parsed at index 19");
        assert!(p
            .parse("2021-04-08 13:34:45.2351", Resolve::DateTime)
            .is_err());
    }

    #[test]
    fn adjacent_fields_share_digits() {
        let p = JavaPattern::compile("yyyyMMddHHmmss").unwrap();
        let (d, t) = p.parse("20230625235109", Resolve::DateTime).unwrap();
        assert_eq!(d.unwrap().and_time(t.unwrap()), ts("2023-06-25T23:51:09.0"));
    }

    #[test]
    fn smart_resolution_clamps_day_of_month() {
        let p = JavaPattern::compile("yyyy-MM-dd").unwrap();
        let (d, _) = p.parse("2021-02-30", Resolve::Date).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2021, 2, 28));
        assert_eq!(
            p.parse("2021-13-01", Resolve::Date).unwrap_err().to_string(),
            "java.time.format.DateTimeParseException: Text '2021-13-01' could not be parsed: Invalid value for MonthOfYear (valid values 1 - 12): 13"
        );
        assert_eq!(
            p.parse("2021-02-03x", Resolve::Date).unwrap_err().to_string(),
            "java.time.format.DateTimeParseException: Text '2021-02-03x' could not be parsed, unparsed text found at index 10"
        );
        assert!(p
            .parse("2021-02-03", Resolve::DateTime)
            .unwrap_err()
            .to_string()
            .contains("Unable to obtain LocalDateTime"));
        assert!(p.parse("2021-02-32", Resolve::Date).is_err());
    }

    #[test]
    fn rejects_unsupported_letters() {
        assert!(JavaPattern::compile("yyyy-ww").is_err());
        assert!(JavaPattern::compile("[yyyy]").is_err());
        assert!(JavaPattern::compile("'unclosed").is_err());
    }
}
