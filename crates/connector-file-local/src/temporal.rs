//! Java `DateTimeFormatter` patterns (`yyyy-MM-dd HH:mm:ss`, `yyyy.MM.dd`, `yyyy-MM-dd'T'HH:mm:ss`)
//! for `date_format`, `datetime_format`, `time_format` and `filename_time_format`.
//!
//! A pattern compiles once into [`Pattern`] items; formatting writes digits straight into a byte
//! buffer (the sink's hot path), parsing walks the items. Only the letters these options use are
//! accepted; anything else is rejected at plan time with the letter named.
//! [`parse_datetime_lenient`] and friends accept ISO-8601 forms as a fallback when a value does
//! not match the configured pattern.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// The defaults SeaTunnel's `DateUtils`/`DateTimeUtils`/`TimeUtils` formatters use.
pub const DEFAULT_DATE: &str = "yyyy-MM-dd";
pub const DEFAULT_DATETIME: &str = "yyyy-MM-dd HH:mm:ss";
pub const DEFAULT_TIME: &str = "HH:mm:ss";
/// Nanosecond digits; a fraction never has more.
const MAX_FRACTION_DIGITS: usize = 9;
const NANOS_PER_DAY: i64 = 86_400_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Year(usize),
    Month(usize),
    Day(usize),
    Hour(usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    Literal(String),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
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

/// The calendar and clock fields a pattern reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
        }
    }
}

impl Pattern {
    /// Compiles a Java pattern; the error names the unsupported letter or the unclosed quote.
    pub fn compile(text: &str) -> Result<Pattern, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut items = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // Quoted text; a doubled quote inside or outside quotes is one quote.
                let mut lit = String::new();
                let mut j = i + 1;
                loop {
                    match (chars.get(j), chars.get(j + 1)) {
                        (None, _) => return Err(format!("unclosed quote in pattern '{text}'")),
                        (Some('\''), Some('\'')) => {
                            lit.push('\'');
                            j += 2;
                        }
                        (Some('\''), _) => break,
                        (Some(&ch), _) => {
                            lit.push(ch);
                            j += 1;
                        }
                    }
                }
                items.push(Item::Literal(if j == i + 1 { "'".into() } else { lit }));
                i = j + 1;
                continue;
            }
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let item = match c {
                'y' | 'u' => Item::Year(run),
                'M' => Item::Month(run),
                'd' => Item::Day(run),
                'H' => Item::Hour(run),
                'm' => Item::Minute(run),
                's' => Item::Second(run),
                'S' if run <= MAX_FRACTION_DIGITS => Item::Fraction(run),
                c if c.is_ascii_alphabetic() => {
                    return Err(format!(
                        "pattern letter '{c}' in '{text}' is not supported (use y, M, d, H, m, s, S and quoted text)"
                    ))
                }
                c => Item::Literal(c.to_string().repeat(run)),
            };
            items.push(item);
            i += run;
        }
        let fast = match text {
            DEFAULT_DATE => Some(Fast::Date),
            DEFAULT_DATETIME => Some(Fast::DateTime),
            DEFAULT_TIME => Some(Fast::Time),
            _ => None,
        };
        Ok(Pattern {
            text: text.to_string(),
            items,
            fast,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn has_date(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, Item::Year(_) | Item::Month(_) | Item::Day(_)))
    }

    fn write(&self, f: &Fields, out: &mut Vec<u8>) {
        let two = |v: u32| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
        let date = |f: &Fields| {
            let y = f.year as u32;
            let [y1, y2] = two(y / 100);
            let [y3, y4] = two(y);
            let [m1, m2] = two(f.month);
            let [d1, d2] = two(f.day);
            [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]
        };
        let time = |f: &Fields| {
            let [h1, h2] = two(f.hour);
            let [m1, m2] = two(f.minute);
            let [s1, s2] = two(f.second);
            [h1, h2, b':', m1, m2, b':', s1, s2]
        };
        let plain_year = (0..10_000).contains(&f.year);
        match self.fast {
            Some(Fast::Date) if plain_year => return out.extend_from_slice(&date(f)),
            Some(Fast::Time) => return out.extend_from_slice(&time(f)),
            Some(Fast::DateTime) if plain_year => {
                out.extend_from_slice(&date(f));
                out.push(b' ');
                return out.extend_from_slice(&time(f));
            }
            _ => {}
        }
        for item in &self.items {
            match item {
                Item::Year(2) => pad(out, (f.year.rem_euclid(100)) as u32, 2),
                Item::Year(w) => {
                    if f.year < 0 {
                        out.push(b'-');
                    }
                    pad(out, f.year.unsigned_abs(), *w)
                }
                Item::Month(w) => pad(out, f.month, *w),
                Item::Day(w) => pad(out, f.day, *w),
                Item::Hour(w) => pad(out, f.hour, *w),
                Item::Minute(w) => pad(out, f.minute, *w),
                Item::Second(w) => pad(out, f.second, *w),
                Item::Fraction(w) => {
                    let scaled = f.nanos / 10u32.pow((MAX_FRACTION_DIGITS - w) as u32);
                    pad(out, scaled, *w)
                }
                Item::Literal(s) => out.extend_from_slice(s.as_bytes()),
            }
        }
    }

    pub fn format_date(&self, d: NaiveDate, out: &mut Vec<u8>) {
        self.write(&date_fields(d), out);
    }

    pub fn format_datetime(&self, ts: NaiveDateTime, out: &mut Vec<u8>) {
        let mut f = date_fields(ts.date());
        set_time(&mut f, ts.time());
        self.write(&f, out);
    }

    pub fn format_time(&self, t: NaiveTime, out: &mut Vec<u8>) {
        let mut f = Fields::default();
        set_time(&mut f, t);
        self.write(&f, out);
    }

    /// Formats a `Datum::Date` (days since 1970-01-01) without going through chrono.
    pub fn format_days(&self, days: i32, out: &mut Vec<u8>) {
        self.write(&fields_of_days(days as i64), out);
    }

    /// Formats a `Datum::Timestamp` (nanoseconds since 1970-01-01T00:00).
    pub fn format_timestamp_nanos(&self, nanos: i64, out: &mut Vec<u8>) {
        let mut f = fields_of_days(nanos.div_euclid(NANOS_PER_DAY));
        set_clock(&mut f, nanos.rem_euclid(NANOS_PER_DAY));
        self.write(&f, out);
    }

    /// Formats a `Datum::Time` (nanoseconds since midnight).
    pub fn format_time_nanos(&self, nanos: i64, out: &mut Vec<u8>) {
        let mut f = Fields::default();
        set_clock(&mut f, nanos.rem_euclid(NANOS_PER_DAY));
        self.write(&f, out);
    }

    /// Formats into a new string (file names, partition values: not hot).
    pub fn format_datetime_string(&self, ts: NaiveDateTime) -> String {
        let mut out = Vec::new();
        self.format_datetime(ts, &mut out);
        String::from_utf8(out).expect("patterns write UTF-8")
    }

    fn parse(&self, s: &str) -> Option<Fields> {
        let b = s.as_bytes();
        let mut pos = 0;
        let mut f = Fields::default();
        for (idx, item) in self.items.iter().enumerate() {
            let next_is_number = matches!(
                self.items.get(idx + 1),
                Some(i) if !matches!(i, Item::Literal(_))
            );
            match item {
                Item::Literal(lit) => {
                    if !b[pos..].starts_with(lit.as_bytes()) {
                        return None;
                    }
                    pos += lit.len();
                }
                Item::Fraction(_) => {
                    let digits = count_digits(&b[pos..], MAX_FRACTION_DIGITS);
                    if digits == 0 {
                        return None;
                    }
                    let v: u32 = s[pos..pos + digits].parse().ok()?;
                    f.nanos = v * 10u32.pow((MAX_FRACTION_DIGITS - digits) as u32);
                    pos += digits;
                }
                numeric => {
                    let (min, max) = match numeric {
                        Item::Year(2) => (2, 2),
                        Item::Year(w) if next_is_number => (*w, *w),
                        Item::Year(w) => (*w, 9),
                        Item::Month(w)
                        | Item::Day(w)
                        | Item::Hour(w)
                        | Item::Minute(w)
                        | Item::Second(w) => {
                            if *w >= 2 || next_is_number {
                                (*w, *w)
                            } else {
                                (1, 2)
                            }
                        }
                        _ => unreachable!("literal and fraction handled above"),
                    };
                    let digits = count_digits(&b[pos..], max);
                    if digits < min {
                        return None;
                    }
                    let v: u32 = s[pos..pos + digits].parse().ok()?;
                    pos += digits;
                    match numeric {
                        Item::Year(2) => f.year = 2000 + v as i32,
                        Item::Year(_) => f.year = v as i32,
                        Item::Month(_) => f.month = v,
                        Item::Day(_) => f.day = v,
                        Item::Hour(_) => f.hour = v,
                        Item::Minute(_) => f.minute = v,
                        Item::Second(_) => f.second = v,
                        _ => unreachable!(),
                    }
                }
            }
        }
        (pos == b.len()).then_some(f)
    }

    pub fn parse_date(&self, s: &str) -> Option<NaiveDate> {
        let f = self.parse(s)?;
        NaiveDate::from_ymd_opt(f.year, f.month, f.day)
    }

    pub fn parse_datetime(&self, s: &str) -> Option<NaiveDateTime> {
        let f = self.parse(s)?;
        if !self.has_date() {
            return None;
        }
        Some(NaiveDate::from_ymd_opt(f.year, f.month, f.day)?.and_time(time_of(&f)?))
    }

    pub fn parse_time(&self, s: &str) -> Option<NaiveTime> {
        time_of(&self.parse(s)?)
    }
}

fn time_of(f: &Fields) -> Option<NaiveTime> {
    NaiveTime::from_hms_nano_opt(f.hour, f.minute, f.second, f.nanos)
}

fn date_fields(d: NaiveDate) -> Fields {
    Fields {
        year: d.year(),
        month: d.month(),
        day: d.day(),
        ..Fields::default()
    }
}

/// Civil date of a day count (Hinnant's `civil_from_days`), exact for the proleptic Gregorian
/// calendar; the text sink's hot path formats dates with it instead of chrono.
fn fields_of_days(days: i64) -> Fields {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Fields {
        year,
        month,
        day,
        ..Fields::default()
    }
}

fn set_clock(f: &mut Fields, nanos_of_day: i64) {
    let secs = nanos_of_day / 1_000_000_000;
    f.hour = (secs / 3600) as u32;
    f.minute = (secs / 60 % 60) as u32;
    f.second = (secs % 60) as u32;
    f.nanos = (nanos_of_day % 1_000_000_000) as u32;
}

fn set_time(f: &mut Fields, t: NaiveTime) {
    f.hour = t.hour();
    f.minute = t.minute();
    f.second = t.second();
    // chrono keeps leap seconds as nanos >= 1e9; Java has none.
    f.nanos = t.nanosecond().min(999_999_999);
}

fn count_digits(b: &[u8], max: usize) -> usize {
    b.iter()
        .take(max)
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// Writes `v` in at least `width` digits, zero-padded, without allocating.
pub fn pad(out: &mut Vec<u8>, v: u32, width: usize) {
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

/// Java's `ISO_LOCAL_TIME`: `HH:mm:ss`, then the fraction without trailing zeros if non-zero.
pub fn write_iso_time(out: &mut Vec<u8>, t: NaiveTime) {
    pad(out, t.hour(), 2);
    out.push(b':');
    pad(out, t.minute(), 2);
    out.push(b':');
    pad(out, t.second(), 2);
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

/// Java's `ISO_LOCAL_DATE`.
pub fn write_iso_date(out: &mut Vec<u8>, d: NaiveDate) {
    if d.year() < 0 {
        out.push(b'-');
    }
    pad(out, d.year().unsigned_abs(), 4);
    out.push(b'-');
    pad(out, d.month(), 2);
    out.push(b'-');
    pad(out, d.day(), 2);
}

/// Java's `ISO_LOCAL_DATE_TIME`.
pub fn write_iso_datetime(out: &mut Vec<u8>, ts: NaiveDateTime) {
    write_iso_date(out, ts.date());
    out.push(b'T');
    write_iso_time(out, ts.time());
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::temporal;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn fmt(p: &str, t: NaiveDateTime) -> String {
        Pattern::compile(p).unwrap().format_datetime_string(t)
    }

    #[test]
    fn formats_common_patterns() {
        let t = ts("2023-05-08 16:08:51.123456");
        assert_eq!(fmt(DEFAULT_DATETIME, t), "2023-05-08 16:08:51");
        assert_eq!(fmt("yyyy.MM.dd", t), "2023.05.08");
        assert_eq!(fmt("yyyyMMddHHmmss", t), "20230508160851");
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSS", t),
            "2023-05-08T16:08:51.123"
        );
        assert_eq!(fmt("HH 'o''clock'", t), "16 o'clock");
    }

    #[test]
    fn parses_what_it_formats() {
        for p in [
            DEFAULT_DATETIME,
            "yyyy/MM/dd HH:mm:ss",
            "yyyyMMddHHmmss",
            "yyyy-MM-dd'T'HH:mm:ss",
            "yyyy-MM-dd HH:mm:ss.SSS",
        ] {
            let pat = Pattern::compile(p).unwrap();
            let t = ts("2024-02-29 23:59:58.250");
            let text = pat.format_datetime_string(t);
            let back = pat.parse_datetime(&text).unwrap();
            assert_eq!(back.date(), t.date(), "{p}");
            assert_eq!(back.time().second(), 58, "{p}");
        }
        let d = Pattern::compile("yyyy.M.d").unwrap();
        assert_eq!(
            d.parse_date("2023.6.7"),
            NaiveDate::from_ymd_opt(2023, 6, 7)
        );
        let t = Pattern::compile(DEFAULT_TIME).unwrap();
        assert_eq!(t.parse_time("07:08:09"), NaiveTime::from_hms_opt(7, 8, 9));
    }

    #[test]
    fn rejects_mismatches_and_unknown_letters() {
        let p = Pattern::compile(DEFAULT_DATETIME).unwrap();
        assert!(p.parse_datetime("2023-01-11T06:25:29").is_none());
        assert!(p.parse_datetime("2023-02-30 00:00:00").is_none());
        assert!(p.parse_datetime("2023-01-11 06:25:29 extra").is_none());
        let err = Pattern::compile("yyyy-MM-dd hh:mm a").unwrap_err();
        assert!(err.contains("'h'"), "{err}");
        assert!(Pattern::compile("yyyy'T").is_err());
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

    #[test]
    fn compact_forms_format_like_chrono_values() {
        let p = Pattern::compile("yyyy-MM-dd HH:mm:ss.SSS").unwrap();
        for t in [
            "1970-01-01 00:00:00",
            "1969-12-31 23:59:59.999",
            "2024-02-29 12:34:56.789",
            "1700-03-01 01:02:03",
            "2262-01-01 23:59:59",
        ] {
            let ts = ts(t);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            p.format_datetime(ts, &mut a);
            p.format_timestamp_nanos(temporal::timestamp_to_nanos(ts), &mut b);
            assert_eq!(a, b, "{t}");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            p.format_date(ts.date(), &mut a);
            p.format_days(temporal::date_to_days(ts.date()), &mut b);
            assert_eq!(a, b, "{t}");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            p.format_time(ts.time(), &mut a);
            p.format_time_nanos(temporal::time_to_nanos(ts.time()), &mut b);
            assert_eq!(a, b, "{t}");
        }
    }

    #[test]
    fn fast_default_layouts_equal_the_generic_writer() {
        for text in [DEFAULT_DATE, DEFAULT_DATETIME, DEFAULT_TIME] {
            let fast = Pattern::compile(text).unwrap();
            let generic = Pattern {
                fast: None,
                ..fast.clone()
            };
            assert!(fast.fast.is_some());
            for t in [
                "1970-01-01 00:00:00",
                "0999-05-06 07:08:09",
                "2024-12-31 23:59:59.5",
            ] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                fast.format_datetime(ts(t), &mut a);
                generic.format_datetime(ts(t), &mut b);
                assert_eq!(a, b, "{text} {t}");
            }
        }
    }

    #[test]
    fn iso_output_matches_java() {
        let mut out = Vec::new();
        write_iso_datetime(&mut out, ts("2022-01-26 17:39:00"));
        assert_eq!(out, b"2022-01-26T17:39:00");
        out.clear();
        write_iso_datetime(&mut out, ts("2022-01-26 17:39:00.120"));
        assert_eq!(out, b"2022-01-26T17:39:00.12");
    }
}
