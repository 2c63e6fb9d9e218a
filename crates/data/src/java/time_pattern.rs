//! `DateTimeFormatter.ofPattern` patterns (`yyyy-MM-dd HH:mm:ss.SSS`), for every place a job
//! names one: LocalFile's `date_format`, `datetime_format`, `time_format` and
//! `filename_time_format`, and Sql's FORMATDATETIME, TO_CHAR, PARSEDATETIME/TO_DATE, IS_DATE and
//! FROM_UNIXTIME.
//!
//! A pattern compiles once into items. Formatting writes bytes straight into the caller's
//! buffer (a text sink's hot path: the default patterns take a straight-line writer, and dates
//! stored as day counts never go through chrono). Parsing follows Java's SMART resolver for what
//! SeaTunnel users write: fixed-width fields take exactly their width, a variable-width field
//! leaves room for the fixed-width fields right after it (`yyyyMMdd`), and an impossible day of
//! month such as February 30 is moved back to the month's last day.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::time::{
    date_of, month_length, pad, time_of, TimeError, DAY_NAMES, MAX_FRACTION_DIGITS, MONTH_NAMES,
};

/// The defaults SeaTunnel's `DateUtils`/`DateTimeUtils`/`TimeUtils` formatters use.
pub const DEFAULT_DATE: &str = "yyyy-MM-dd";
pub const DEFAULT_DATETIME: &str = "yyyy-MM-dd HH:mm:ss";
pub const DEFAULT_TIME: &str = "HH:mm:ss";
/// Pattern letters Java reserves; any other ASCII letter outside quotes is an error there too.
const RESERVED: &str = "#{}[]";
const NANOS_PER_DAY: i64 = 86_400_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(String),
    Field { letter: char, count: usize },
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimePattern {
    text: String,
    items: Vec<Item>,
    /// The default patterns get a straight-line writer (the text sink's hot path).
    fast: Option<Fast>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fast {
    Date,
    DateTime,
    Time,
}

/// What a value offers to format: a date, a time, or both.
#[derive(Debug, Clone, Copy, Default)]
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

/// The calendar date and clock a format reads, kept as plain numbers so a day count or a
/// nanosecond count is formatted without building chrono values.
#[derive(Debug, Clone, Copy)]
struct Ymd {
    year: i32,
    month: u32,
    day: u32,
}

#[derive(Debug, Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Moment {
    date: Option<Ymd>,
    time: Option<Clock>,
}

impl TimePattern {
    /// Compiles a Java pattern; the error names the pattern and the letter, quote or reserved
    /// character it cannot take.
    pub fn compile(pattern: &str) -> Result<TimePattern, String> {
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
        let fast = match pattern {
            DEFAULT_DATE => Some(Fast::Date),
            DEFAULT_DATETIME => Some(Fast::DateTime),
            DEFAULT_TIME => Some(Fast::Time),
            _ => None,
        };
        Ok(TimePattern {
            text: pattern.to_string(),
            items,
            fast,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the pattern reads the date, and whether it reads the time of day: a date-only
    /// value cannot be formatted by a pattern that reads the time (Java throws), so options
    /// check this once at plan time.
    pub fn reads(&self) -> (bool, bool) {
        self.items
            .iter()
            .fold((false, false), |(date, time), item| match item {
                Item::Field { letter, .. } if is_time_letter(*letter) => (date, true),
                Item::Field { .. } => (true, time),
                Item::Literal(_) => (date, time),
            })
    }

    /// Formats `parts` into `out`, as `DateTimeFormatter.format` would.
    pub fn format(&self, parts: Parts, out: &mut String) -> Result<(), TimeError> {
        let mut bytes = std::mem::take(out).into_bytes();
        let written = self.write(&Moment::of(parts), &mut bytes);
        *out = String::from_utf8(bytes).expect("patterns write UTF-8");
        written
    }

    /// Formats into a new string (file names, partition values, SQL results).
    pub fn format_string(&self, parts: Parts) -> Result<String, TimeError> {
        let mut out = String::new();
        self.format(parts, &mut out)?;
        Ok(out)
    }

    /// Formats a date-time into a new string (file names). Never fails: a date-time has every
    /// field a pattern can read.
    pub fn format_datetime(&self, ts: NaiveDateTime) -> String {
        let mut out = Vec::new();
        self.write_datetime(ts, &mut out)
            .expect("a date-time has every field");
        String::from_utf8(out).expect("patterns write UTF-8")
    }

    pub fn write_date(&self, d: NaiveDate, out: &mut Vec<u8>) -> Result<(), TimeError> {
        self.write(
            &Moment::of(Parts {
                date: Some(d),
                time: None,
            }),
            out,
        )
    }

    pub fn write_datetime(&self, ts: NaiveDateTime, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let parts = Parts {
            date: Some(ts.date()),
            time: Some(ts.time()),
        };
        self.write(&Moment::of(parts), out)
    }

    pub fn write_time(&self, t: NaiveTime, out: &mut Vec<u8>) -> Result<(), TimeError> {
        self.write(
            &Moment::of(Parts {
                date: None,
                time: Some(t),
            }),
            out,
        )
    }

    /// Formats a date stored as days since 1970-01-01, without going through chrono.
    pub fn write_days(&self, days: i32, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let m = Moment {
            date: Some(civil_from_days(days.into())),
            time: None,
        };
        self.write(&m, out)
    }

    /// Formats a timestamp stored as nanoseconds since 1970-01-01T00:00.
    pub fn write_timestamp_nanos(&self, nanos: i64, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let m = Moment {
            date: Some(civil_from_days(nanos.div_euclid(NANOS_PER_DAY))),
            time: Some(clock_of(nanos.rem_euclid(NANOS_PER_DAY))),
        };
        self.write(&m, out)
    }

    /// Formats a time stored as nanoseconds since midnight.
    pub fn write_time_nanos(&self, nanos: i64, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let m = Moment {
            date: None,
            time: Some(clock_of(nanos.rem_euclid(NANOS_PER_DAY))),
        };
        self.write(&m, out)
    }

    fn write(&self, m: &Moment, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let plain_year = |d: &Ymd| (0..10_000).contains(&d.year);
        match (self.fast, m.date, m.time) {
            (Some(Fast::Date), Some(d), _) if plain_year(&d) => {
                write_plain_date(out, &d);
                return Ok(());
            }
            (Some(Fast::Time), _, Some(t)) => {
                write_plain_time(out, &t);
                return Ok(());
            }
            (Some(Fast::DateTime), Some(d), Some(t)) if plain_year(&d) => {
                write_plain_date(out, &d);
                out.push(b' ');
                write_plain_time(out, &t);
                return Ok(());
            }
            _ => {}
        }
        for item in &self.items {
            match item {
                Item::Literal(s) => out.extend_from_slice(s.as_bytes()),
                Item::Field { letter, count } => write_field(*letter, *count, m, out)?,
            }
        }
        Ok(())
    }

    /// Parses `text` completely and resolves it to the requested kind of value.
    pub fn parse(
        &self,
        text: &str,
        want: Resolve,
    ) -> Result<(Option<NaiveDate>, Option<NaiveTime>), TimeError> {
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
            return Err(TimeError::Parse {
                text: text.to_string(),
                detail: format!(", unparsed text found at index {pos}"),
            });
        }
        fields.resolve(text, want)
    }

    /// `LocalDate.parse(text, pattern)`, `None` where Java throws.
    pub fn parse_date(&self, text: &str) -> Option<NaiveDate> {
        self.parse(text, Resolve::Date).ok()?.0
    }

    /// `LocalDateTime.parse(text, pattern)`, `None` where Java throws.
    pub fn parse_datetime(&self, text: &str) -> Option<NaiveDateTime> {
        match self.parse(text, Resolve::DateTime).ok()? {
            (Some(d), Some(t)) => Some(d.and_time(t)),
            _ => None,
        }
    }

    /// `LocalTime.parse(text, pattern)`, `None` where Java throws.
    pub fn parse_time(&self, text: &str) -> Option<NaiveTime> {
        self.parse(text, Resolve::Time).ok()?.1
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

impl Moment {
    fn of(parts: Parts) -> Moment {
        Moment {
            date: parts.date.map(|d| Ymd {
                year: d.year(),
                month: d.month(),
                day: d.day(),
            }),
            time: parts.time.map(|t| Clock {
                hour: t.hour(),
                minute: t.minute(),
                second: t.second(),
                // chrono keeps leap seconds as nanos >= 1e9; Java has none.
                nanos: t.nanosecond().min(999_999_999),
            }),
        }
    }
}

fn write_plain_date(out: &mut Vec<u8>, d: &Ymd) {
    let two = |v: u32| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
    let y = d.year as u32;
    let [y1, y2] = two(y / 100);
    let [y3, y4] = two(y);
    let [m1, m2] = two(d.month);
    let [d1, d2] = two(d.day);
    out.extend_from_slice(&[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]);
}

fn write_plain_time(out: &mut Vec<u8>, t: &Clock) {
    let two = |v: u32| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
    let [h1, h2] = two(t.hour);
    let [m1, m2] = two(t.minute);
    let [s1, s2] = two(t.second);
    out.extend_from_slice(&[h1, h2, b':', m1, m2, b':', s1, s2]);
}

/// Civil date of a day count (Hinnant's `civil_from_days`), exact for the proleptic Gregorian
/// calendar.
fn civil_from_days(days: i64) -> Ymd {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Ymd { year, month, day }
}

fn clock_of(nanos_of_day: i64) -> Clock {
    let secs = nanos_of_day / 1_000_000_000;
    Clock {
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        nanos: (nanos_of_day % 1_000_000_000) as u32,
    }
}

fn at_index(text: &str, pos: usize) -> TimeError {
    TimeError::Parse {
        text: text.to_string(),
        detail: format!(" at index {pos}"),
    }
}

fn check_letter(c: char, count: usize) -> Result<(), String> {
    let max = match c {
        'y' | 'u' | 'n' | 'N' | 'A' => 19,
        'M' | 'L' | 'Q' | 'q' | 'E' | 'G' => 5,
        'D' => 3,
        'S' => MAX_FRACTION_DIGITS,
        'd' | 'H' | 'h' | 'K' | 'k' | 'm' | 's' => 2,
        'a' => 1,
        other => return Err(format!("pattern letter '{other}' is not supported")),
    };
    if count > max {
        return Err(format!("too many pattern letters '{c}'"));
    }
    Ok(())
}

fn is_time_letter(c: char) -> bool {
    matches!(
        c,
        'a' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'S' | 'n' | 'A' | 'N'
    )
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

fn need_date(m: &Moment, field: &'static str) -> Result<Ymd, TimeError> {
    m.date.ok_or(TimeError::UnsupportedField(field))
}

fn need_time(m: &Moment, field: &'static str) -> Result<Clock, TimeError> {
    m.time.ok_or(TimeError::UnsupportedField(field))
}

/// A date for the rarely used letters that need the calendar (day of week, day of year).
fn calendar(d: Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year, d.month, d.day).expect("a valid date")
}

/// `value` in at least `width` digits, with a `-` before a negative one.
fn pad_signed(out: &mut Vec<u8>, value: i64, width: usize) {
    if value < 0 {
        out.push(b'-');
    }
    pad(out, value.unsigned_abs(), width);
}

fn write_field(letter: char, count: usize, m: &Moment, out: &mut Vec<u8>) -> Result<(), TimeError> {
    let put = |out: &mut Vec<u8>, s: &str| out.extend_from_slice(s.as_bytes());
    match letter {
        'y' | 'u' => {
            let year = i64::from(need_date(m, "YearOfEra")?.year);
            let year = if letter == 'y' && year <= 0 {
                1 - year
            } else {
                year
            };
            if count == 2 {
                pad(out, year.rem_euclid(100) as u64, 2);
            } else {
                // SignStyle.EXCEEDS_PAD: a year wider than the pattern says so with a '+'.
                if count >= 4 && year > 0 && year.unsigned_abs().ilog10() as usize + 1 > count {
                    out.push(b'+');
                }
                pad_signed(out, year, count);
            }
        }
        'M' | 'L' => {
            let month = need_date(m, "MonthOfYear")?.month as usize;
            match count {
                1 | 2 => pad(out, month as u64, count),
                3 => put(out, &MONTH_NAMES[month - 1][..3]),
                4 => put(out, MONTH_NAMES[month - 1]),
                _ => put(out, &MONTH_NAMES[month - 1][..1]),
            }
        }
        'Q' | 'q' => {
            let q = u64::from((need_date(m, "QuarterOfYear")?.month - 1) / 3 + 1);
            match count {
                1 | 2 => pad(out, q, count),
                3 => {
                    out.push(b'Q');
                    pad(out, q, 1)
                }
                4 => {
                    put(out, ["1st", "2nd", "3rd", "4th"][q as usize - 1]);
                    put(out, " quarter");
                }
                _ => pad(out, q, 1),
            }
        }
        'd' => pad(out, need_date(m, "DayOfMonth")?.day.into(), count),
        'D' => pad(
            out,
            calendar(need_date(m, "DayOfYear")?).ordinal().into(),
            count,
        ),
        'E' => {
            let weekday = calendar(need_date(m, "DayOfWeek")?).weekday();
            let name = DAY_NAMES[weekday.num_days_from_monday() as usize];
            match count {
                4 => put(out, name),
                5 => put(out, &name[..1]),
                _ => put(out, &name[..3]),
            }
        }
        'G' => {
            let ad = need_date(m, "Era")?.year > 0;
            put(
                out,
                match (count, ad) {
                    (4, true) => "Anno Domini",
                    (4, false) => "Before Christ",
                    (5, true) => "A",
                    (5, false) => "B",
                    (_, true) => "AD",
                    (_, false) => "BC",
                },
            );
        }
        'a' => put(
            out,
            if need_time(m, "AmPmOfDay")?.hour < 12 {
                "AM"
            } else {
                "PM"
            },
        ),
        'H' => pad(out, need_time(m, "HourOfDay")?.hour.into(), count),
        'k' => {
            let h = need_time(m, "ClockHourOfDay")?.hour;
            pad(out, if h == 0 { 24 } else { h }.into(), count)
        }
        'K' => pad(out, (need_time(m, "HourOfAmPm")?.hour % 12).into(), count),
        'h' => {
            let h = need_time(m, "ClockHourOfAmPm")?.hour % 12;
            pad(out, if h == 0 { 12 } else { h }.into(), count)
        }
        'm' => pad(out, need_time(m, "MinuteOfHour")?.minute.into(), count),
        's' => pad(out, need_time(m, "SecondOfMinute")?.second.into(), count),
        'S' => {
            let nanos = need_time(m, "NanoOfSecond")?.nanos;
            let scaled = nanos / 10u32.pow((MAX_FRACTION_DIGITS - count) as u32);
            pad(out, scaled.into(), count);
        }
        'n' => pad(out, need_time(m, "NanoOfSecond")?.nanos.into(), count),
        'A' => {
            let t = need_time(m, "MilliOfDay")?;
            pad(out, millis_of_day(&t), count)
        }
        'N' => {
            let t = need_time(m, "NanoOfDay")?;
            pad(
                out,
                seconds_of_day(&t) * 1_000_000_000 + u64::from(t.nanos),
                count,
            )
        }
        _ => unreachable!("letters are checked at compile"),
    }
    Ok(())
}

fn seconds_of_day(t: &Clock) -> u64 {
    u64::from(t.hour) * 3600 + u64::from(t.minute) * 60 + u64::from(t.second)
}

fn millis_of_day(t: &Clock) -> u64 {
    seconds_of_day(t) * 1000 + u64::from(t.nanos) / 1_000_000
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
            f.nano = Some(v * 10i64.pow((MAX_FRACTION_DIGITS - c) as u32));
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
    ) -> Result<(Option<NaiveDate>, Option<NaiveTime>), TimeError> {
        let target = match want {
            Resolve::DateTime => "LocalDateTime",
            Resolve::Date => "LocalDate",
            Resolve::Time => "LocalTime",
        };
        let missing = || TimeError::Parse {
            text: text.to_string(),
            detail: format!(": Unable to obtain {target} from TemporalAccessor"),
        };
        let invalid = |e: TimeError| TimeError::Parse {
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

#[cfg(test)]
#[path = "time_pattern_tests.rs"]
mod tests;
