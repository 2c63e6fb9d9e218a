use super::*;
use crate::temporal;

fn ts(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

fn fmt(p: &str, t: NaiveDateTime) -> String {
    let parts = Parts {
        date: Some(t.date()),
        time: Some(t.time()),
    };
    TimePattern::compile(p)
        .unwrap()
        .format_string(parts)
        .unwrap()
}

#[test]
fn formats_like_java() {
    let t = ts("2021-04-08 13:34:45.235");
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
    assert_eq!(fmt("HH 'o''clock'", t), "13 o'clock");
    assert_eq!(fmt("yyyyMMddHHmmss", t), "20210408133445");
    assert_eq!(
        fmt("k K A N", ts("2021-04-08 00:00:01.5")),
        "24 0 1500 1500000000"
    );
    assert_eq!(fmt("yyyy", ts("+12345-01-01 00:00:00")), "+12345");
    assert_eq!(fmt("uuuu G", ts("-0001-01-01 00:00:00")), "-0001 BC");
}

#[test]
fn dates_cannot_format_time_fields() {
    let p = TimePattern::compile("HH").unwrap();
    let parts = Parts {
        date: NaiveDate::from_ymd_opt(2021, 1, 1),
        time: None,
    };
    assert_eq!(
        p.format_string(parts).unwrap_err().to_string(),
        "java.time.temporal.UnsupportedTemporalTypeException: Unsupported field: HourOfDay"
    );
    assert_eq!(
        TimePattern::compile("yyyy-MM-dd").unwrap().reads(),
        (true, false)
    );
    assert_eq!(
        TimePattern::compile("HH:mm 'on' ").unwrap().reads(),
        (false, true)
    );
    assert_eq!(TimePattern::compile("E h a").unwrap().reads(), (true, true));
}

#[test]
fn parses_complete_text() {
    let p = TimePattern::compile("yyyy-MM-dd HH:mm:ss.SSS").unwrap();
    assert_eq!(
        p.parse_datetime("2021-04-08 13:34:45.235"),
        Some(ts("2021-04-08 13:34:45.235"))
    );
    let e = p
        .parse("2021-04-08 13:34:45", Resolve::DateTime)
        .unwrap_err();
    assert_eq!(e.to_string(), "java.time.format.DateTimeParseException: Text '2021-04-08 13:34:45' could not be parsed at index 19");
    assert!(p.parse_datetime("2021-04-08 13:34:45.2351").is_none());
}

#[test]
fn parses_what_it_formats() {
    for p in [
        DEFAULT_DATETIME,
        "yyyy/MM/dd HH:mm:ss",
        "yyyyMMddHHmmss",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd HH:mm:ss.SSS",
        "dd MMM yyyy hh:mm:ss a",
    ] {
        let pat = TimePattern::compile(p).unwrap();
        let t = ts("2024-02-29 23:59:58.250");
        let mut text = Vec::new();
        pat.write_datetime(t, &mut text).unwrap();
        let back = pat
            .parse_datetime(std::str::from_utf8(&text).unwrap())
            .unwrap();
        assert_eq!(back.date(), t.date(), "{p}");
        assert_eq!(back.time().second(), 58, "{p}");
    }
    let d = TimePattern::compile("yyyy.M.d").unwrap();
    assert_eq!(
        d.parse_date("2023.6.7"),
        NaiveDate::from_ymd_opt(2023, 6, 7)
    );
    let t = TimePattern::compile(DEFAULT_TIME).unwrap();
    assert_eq!(t.parse_time("07:08:09"), NaiveTime::from_hms_opt(7, 8, 9));
}

#[test]
fn adjacent_fields_share_digits() {
    let p = TimePattern::compile("yyyyMMddHHmmss").unwrap();
    assert_eq!(
        p.parse_datetime("20230625235109"),
        Some(ts("2023-06-25 23:51:09"))
    );
}

#[test]
fn smart_resolution_clamps_day_of_month() {
    let p = TimePattern::compile("yyyy-MM-dd").unwrap();
    assert_eq!(
        p.parse_date("2021-02-30"),
        NaiveDate::from_ymd_opt(2021, 2, 28)
    );
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
    assert!(p.parse_date("2021-02-32").is_none());
}

#[test]
fn rejects_mismatches_and_unsupported_patterns() {
    let p = TimePattern::compile(DEFAULT_DATETIME).unwrap();
    assert!(p.parse_datetime("2023-01-11T06:25:29").is_none());
    assert!(p.parse_datetime("2023-01-11 06:25:29 extra").is_none());
    assert!(TimePattern::compile("yyyy-ww").is_err());
    assert!(TimePattern::compile("[yyyy]").is_err());
    let err = TimePattern::compile("yyyy'T").unwrap_err();
    assert_eq!(err, "pattern 'yyyy'T' has an unclosed quote");
    let err = TimePattern::compile("SSSSSSSSSS").unwrap_err();
    assert!(err.contains("too many pattern letters 'S'"), "{err}");
}

/// Day and nanosecond counts (the batch's storage) format exactly as the chrono values they
/// stand for, across the epoch and far from it.
#[test]
fn compact_forms_format_like_chrono_values() {
    let p = TimePattern::compile("yyyy-MM-dd HH:mm:ss.SSS E").unwrap();
    for t in [
        "1970-01-01 00:00:00",
        "1969-12-31 23:59:59.999",
        "2024-02-29 12:34:56.789",
        "1700-03-01 01:02:03",
        "2262-01-01 23:59:59",
    ] {
        let ts = ts(t);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        p.write_datetime(ts, &mut a).unwrap();
        p.write_timestamp_nanos(temporal::timestamp_to_nanos(ts), &mut b)
            .unwrap();
        assert_eq!(a, b, "{t}");
    }
    let d = TimePattern::compile("yyyy-MM-dd D").unwrap();
    let t = TimePattern::compile("HH:mm:ss.SSSSSSSSS").unwrap();
    for s in [
        "1969-12-31 23:59:59.999999999",
        "2024-02-29 00:00:00.000000001",
    ] {
        let ts = ts(s);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        d.write_date(ts.date(), &mut a).unwrap();
        d.write_days(temporal::date_to_days(ts.date()), &mut b)
            .unwrap();
        assert_eq!(a, b, "{s}");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        t.write_time(ts.time(), &mut a).unwrap();
        t.write_time_nanos(temporal::time_to_nanos(ts.time()), &mut b)
            .unwrap();
        assert_eq!(a, b, "{s}");
    }
}

#[test]
fn fast_default_layouts_equal_the_generic_writer() {
    for text in [DEFAULT_DATE, DEFAULT_DATETIME, DEFAULT_TIME] {
        let fast = TimePattern::compile(text).unwrap();
        let generic = TimePattern {
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
            fast.write_datetime(ts(t), &mut a).unwrap();
            generic.write_datetime(ts(t), &mut b).unwrap();
            assert_eq!(a, b, "{text} {t}");
        }
    }
}
