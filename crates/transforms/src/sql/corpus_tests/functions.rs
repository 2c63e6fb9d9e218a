//! The corpus jobs that exercise SeaTunnel's function library (`sql_transform/func_*.conf`).

#![allow(clippy::approx_constant)] // expected values are copied from the jobs' Assert rules

use chrono::NaiveTime;

use seatunnel_data::{DataType, Value};

use super::{col, date, dec, expect, fields, run, run_on, s, ts};

#[test]
fn func_datetime_conf() {
    let query = "select current_date as cd, current_timestamp as ct2, dateadd(c1, 1) as c1_1, dateadd(c1, 40, 'DAY') as c1_2, dateadd(c1, 2, 'YEAR') as c1_3, dateadd(c1, 10, 'MONTH') as c1_4, dateadd(c1, 13, 'HOUR') as c1_5, dateadd(c1, 40, 'MINUTE') as c1_6, dateadd(c1, 30, 'SECOND') as c1_7, datediff(c1, c2) as test, datediff(c1, c2, 'DAY') as c2_1, datediff(c1, c2, 'YEAR') as c2_2, datediff(c1, c2, 'MONTH') as c2_3, datediff(c1, c2, 'HOUR') as c2_4, datediff(c1, c2, 'MINUTE') as c2_5, datediff(c1, c2, 'SECOND') as c2_6, date_trunc(c3, 'YEAR') as c3_1, date_trunc(c3, 'MONTH') as c3_2, date_trunc(c3, 'DAY') as c3_3, date_trunc(c3, 'HOUR') as c3_4, date_trunc(c3, 'MINUTE') as c3_5, date_trunc(c3, 'SECOND') as c3_6, dayname(c3) as c3_7, day_of_week(c3) c3_8, day_of_year(c3) c3_9, extract(YEAR FROM c3) c3_10, extract(MONTH FROM c3) c3_11, extract(DAY FROM c3) c3_12, extract(HOUR FROM c3) c3_13, extract(MINUTE from c3) c3_14, extract(SECOND from c3) c3_15, extract(MILLISECOND from c3) c3_16, extract(DAYOFWEEK FROM c3) c3_17, extract(DAYOFYEAR FROM c3) c3_18, formatdatetime(c4,'yyyy-MM-dd HH:mm:ss.S') c4_1, formatdatetime(c4,'yyyy-MM-dd') c4_2, formatdatetime(c4,'HH:mm:ss.SSS') c4_3, hour(c4) c4_4, minute(c4) c4_5, month(c4) c4_6, monthname(c4) c4_7, parsedatetime(c5,'yyyy-MM-dd HH:mm:ss.SSS') c5_1, to_date(c6,'yyyy-MM-dd') c6_1, quarter(c4) c4_8, second(c4) c4_9, week(c4) c4_10, year(c4) c4_11, case when c7 is not null and is_date(c7, 'yyyy-MM-dd HH:mm:ss.SSS') then to_date(c7,'yyyy-MM-dd HH:mm:ss.SSS') else null end as c7_1 from fake";
    let columns = fields(&[
        ("id", "int"),
        ("name", "string"),
        ("c1", "timestamp"),
        ("c2", "timestamp"),
        ("c3", "timestamp"),
        ("c4", "timestamp"),
        ("c5", "string"),
        ("c6", "string"),
        ("c7", "string"),
    ]);
    let row = vec![
        Value::Int(1),
        s("Joy Ding"),
        Value::Timestamp(ts("2021-04-15T13:34:45")),
        Value::Timestamp(ts("2022-01-23T12:34:56")),
        Value::Timestamp(ts("2021-04-15T13:34:45.235")),
        Value::Timestamp(ts("2021-04-08T13:34:45.235")),
        s("2021-04-08 13:34:45.235"),
        s("2021-04-08"),
        s("2021-04-08 13:34:45.235"),
    ];
    let b = run(query, columns, &[row]);
    let t = |v: &str| Value::Timestamp(ts(v));
    let (cd_type, cd) = col(&b, "cd");
    assert_eq!(cd_type, DataType::Date);
    assert!(!cd.is_null());
    let (ct_type, ct) = col(&b, "ct2");
    assert_eq!(ct_type, DataType::Timestamp);
    assert!(!ct.is_null());
    use DataType::{BigInt, Date, Int, String as Str, Timestamp};
    expect(
        &b,
        &[
            ("c1_1", Timestamp, t("2021-04-16T13:34:45")),
            ("c1_2", Timestamp, t("2021-05-25T13:34:45")),
            ("c1_3", Timestamp, t("2023-04-15T13:34:45")),
            ("c1_4", Timestamp, t("2022-02-15T13:34:45")),
            ("c1_5", Timestamp, t("2021-04-16T02:34:45")),
            ("c1_6", Timestamp, t("2021-04-15T14:14:45")),
            ("c1_7", Timestamp, t("2021-04-15T13:35:15")),
            ("test", BigInt, Value::BigInt(283)),
            ("c2_1", BigInt, Value::BigInt(283)),
            ("c2_2", BigInt, Value::BigInt(0)),
            ("c2_3", BigInt, Value::BigInt(9)),
            ("c2_4", BigInt, Value::BigInt(6791)),
            ("c2_5", BigInt, Value::BigInt(407460)),
            ("c2_6", BigInt, Value::BigInt(24447611)),
            ("c3_1", Timestamp, t("2021-01-01T00:00:00")),
            ("c3_2", Timestamp, t("2021-04-01T00:00:00")),
            ("c3_3", Timestamp, t("2021-04-15T00:00:00")),
            ("c3_4", Timestamp, t("2021-04-15T13:00:00")),
            ("c3_5", Timestamp, t("2021-04-15T13:34:00")),
            ("c3_6", Timestamp, t("2021-04-15T13:34:45")),
            ("c3_7", Str, s("Thursday")),
            ("c3_8", Int, Value::Int(4)),
            ("c3_9", Int, Value::Int(105)),
            ("c3_10", Int, Value::Int(2021)),
            ("c3_11", Int, Value::Int(4)),
            ("c3_12", Int, Value::Int(15)),
            ("c3_13", Int, Value::Int(13)),
            ("c3_14", Int, Value::Int(34)),
            ("c3_15", Int, Value::Int(45)),
            ("c3_16", Int, Value::Int(235)),
            ("c3_17", Int, Value::Int(4)),
            ("c3_18", Int, Value::Int(105)),
            ("c4_1", Str, s("2021-04-08 13:34:45.2")),
            ("c4_2", Str, s("2021-04-08")),
            ("c4_3", Str, s("13:34:45.235")),
            ("c4_4", Int, Value::Int(13)),
            ("c4_5", Int, Value::Int(34)),
            ("c4_6", Int, Value::Int(4)),
            ("c4_7", Str, s("April")),
            ("c5_1", Timestamp, t("2021-04-08T13:34:45.235")),
            ("c6_1", Date, Value::Date(date(2021, 4, 8))),
            ("c4_8", Int, Value::Int(2)),
            ("c4_9", Int, Value::Int(45)),
            ("c4_10", Int, Value::Int(15)),
            ("c4_11", Int, Value::Int(2021)),
            ("c7_1", Timestamp, t("2021-04-08T13:34:45.235")),
        ],
    );
}

#[test]
fn func_from_unixtime_conf() {
    let query = "select from_unixtime(unixtime,'yyyy-MM-dd HH:mm:ss','UTC+8') as ts from fake";
    let b = run(
        query,
        fields(&[("unixtime", "bigint")]),
        &[vec![Value::BigInt(1672502400)]],
    );
    expect(&b, &[("ts", DataType::String, s("2023-01-01 00:00:00"))]);
}

#[test]
fn func_numeric_conf() {
    let query = "select abs(-10.3) as c0_1, abs(c1) as c1_1, acos(id) as id1, asin(c2) as c2_1, atan(c2) as c2_2, cos(c2) as c2_3, cosh(c2) as c2_4, sin(c2) as c2_5, sinh(c2) as c2_6, tan(c3/4) as c3_1, tanh(c2) as c2_7, mod(c4, 5) as c4_1, mod(c4, 5.4) as c4_2, ceil(c5) as c5_1, exp(c10) as c10_1, floor(c5) as c5_2, ln(c5) as c5_3, log(10,c5) as c5_4, log10(c6) as c6_1, radians(c7) as c7_1, sqrt(c8) as c8_1, pi() as pi, power(c5,2) as c5_5, rand() as rand, round(c9,2) as c9_1, sign(c1) as c1_2, trunc(c9,2) as c9_2, c11 + 3 as c11_2, c12 * 2 as c12_2 from fake";
    let columns = fields(&[
        ("id", "int"),
        ("name", "string"),
        ("c1", "double"),
        ("c2", "double"),
        ("c3", "double"),
        ("c4", "int"),
        ("c5", "double"),
        ("c6", "double"),
        ("c7", "int"),
        ("c8", "double"),
        ("c9", "double"),
        ("c10", "double"),
        ("c11", "tinyint"),
        ("c12", "smallint"),
    ]);
    let row = vec![
        Value::Int(1),
        s("Joy Ding"),
        Value::Double(-120.72),
        Value::Double(0.0),
        Value::Double(3.1415926),
        Value::Int(13),
        Value::Double(13.2),
        Value::Double(1324.252),
        Value::Int(180),
        Value::Double(10.24),
        Value::Double(120.72124),
        Value::Double(2.0),
        Value::TinyInt(11),
        Value::SmallInt(23),
    ];
    let b = run(query, columns, &[row]);
    let d = Value::Double;
    use DataType::{Double, Int};
    expect(
        &b,
        &[
            ("c0_1", Double, d(10.3)),
            ("c1_1", Double, d(120.72)),
            ("id1", Double, d(0.0)),
            ("c2_1", Double, d(0.0)),
            ("c2_2", Double, d(0.0)),
            ("c2_3", Double, d(1.0)),
            ("c2_4", Double, d(1.0)),
            ("c2_5", Double, d(0.0)),
            ("c2_6", Double, d(0.0)),
            ("c3_1", Double, d(0.9999999732051038)),
            ("c2_7", Double, d(0.0)),
            ("c4_1", Int, Value::Int(3)),
            ("c4_2", Double, d(2.2)),
            ("c5_1", Int, Value::Int(14)),
            ("c10_1", Double, d(7.38905609893065)),
            ("c5_2", Int, Value::Int(13)),
            ("c5_3", Double, d(2.580216829592325)),
            ("c5_4", Double, d(1.1205739312058498)),
            ("c6_1", Double, d(3.1219706375172507)),
            ("c7_1", Double, d(3.141592653589793)),
            ("c8_1", Double, d(3.2)),
            ("pi", Double, d(3.141592653589793)),
            ("c5_5", Double, d(174.23999999999998)),
            ("c9_1", Double, d(120.72)),
            ("c1_2", Int, Value::Int(-1)),
            ("c9_2", Double, d(120.72)),
            ("c11_2", Int, Value::Int(14)),
            ("c12_2", Int, Value::Int(46)),
        ],
    );
    let (rand_type, rand) = col(&b, "rand");
    assert_eq!(rand_type, Double);
    assert!(matches!(rand, Value::Double(x) if (0.0..1.0).contains(&x)));
}

#[test]
fn func_string_conf() {
    // The HOCON string holds `\\d`, which HOCON unescapes to `\d` before the query is parsed.
    let query = r"select ascii(c1) as c1_1, ascii(c2) as c2_1, bit_length(c4) as c4_1, length(c4) as c4_2, octet_length(c4) as c4_3, char(c5) as c5_1, concat(c1,id,'!') as c1_2, hextoraw(c6) as c6_1, rawtohex(c7) as c7_1, insert(name,2,2,'**') as name1, lower(name) as name2, upper(name) as name3, left(name, 3) as name4, right(name, 4) as name5, lpad(name, 10, '*') as name6, rpad(name, 10, '*') as name7, ltrim(c8, '*') as c8_1, rtrim(c8, '*') as c8_2, trim(c8, '*') as c8_3, regexp_replace(c9, 'w+', 'W', 'i') as c9_1, regexp_like(name, '[A-Z ]*', 'i') as name8, regexp_substr(c10, '\d{4}') as c10_1, regexp_substr(c10, '(\d{4})-(\d{2})-(\d{2})', 1, 1, null, 2) as c10_2, repeat(name||' ',3) as name9, replace(name,' ','_') as name10, soundex(name) as name11, name || space(3) as name12, substring(name, 1, 3) as name13, to_char(id) as id1, to_char(c11,'yyyy-MM-dd') as c11_1, translate(name, 'ing', 'ING') as name14, des_decrypt('1234567890', des_encrypt('1234567890', name)) as name15,UUID() as uuid from fake";
    let columns = fields(&[
        ("id", "int"),
        ("name", "string"),
        ("c1", "string"),
        ("c2", "string"),
        ("c3", "string"),
        ("c4", "string"),
        ("c5", "int"),
        ("c6", "string"),
        ("c7", "string"),
        ("c8", "string"),
        ("c9", "string"),
        ("c10", "string"),
        ("c11", "timestamp"),
    ]);
    let row = vec![
        Value::Int(1),
        s("Joy Ding"),
        s("A"),
        s("b"),
        s("&"),
        s("&^^$wef9"),
        Value::Int(98),
        s("0037"),
        s("7"),
        s("*Joy_Ding@s.com*"),
        s("Joy_WWWDing@s.com"),
        s("2020-10-01"),
        Value::Timestamp(ts("2022-12-12T23:34:45")),
    ];
    let b = run_on("fake", query, columns, &[row]).unwrap();
    use DataType::{BigInt, Boolean, Int, String as Str};
    expect(
        &b,
        &[
            ("c1_1", Int, Value::Int(65)),
            ("c2_1", Int, Value::Int(98)),
            ("c4_1", BigInt, Value::BigInt(64)),
            ("c4_2", BigInt, Value::BigInt(8)),
            ("c4_3", BigInt, Value::BigInt(8)),
            ("c5_1", Str, s("b")),
            ("c1_2", Str, s("A1!")),
            ("c6_1", Str, s("7")),
            ("c7_1", Str, s("0037")),
            ("name1", Str, s("J** Ding")),
            ("name2", Str, s("joy ding")),
            ("name3", Str, s("JOY DING")),
            ("name4", Str, s("Joy")),
            ("name5", Str, s("Ding")),
            ("name6", Str, s("**Joy Ding")),
            ("name7", Str, s("Joy Ding**")),
            ("c8_1", Str, s("Joy_Ding@s.com*")),
            ("c8_2", Str, s("*Joy_Ding@s.com")),
            ("c8_3", Str, s("Joy_Ding@s.com")),
            ("c9_1", Str, s("Joy_WDing@s.com")),
            ("name8", Boolean, Value::Bool(true)),
            ("c10_1", Str, s("2020")),
            ("c10_2", Str, s("10")),
            ("name9", Str, s("Joy Ding Joy Ding Joy Ding ")),
            ("name10", Str, s("Joy_Ding")),
            ("name11", Str, s("J352")),
            ("name12", Str, s("Joy Ding   ")),
            ("name13", Str, s("Joy")),
            ("id1", Str, s("1")),
            ("c11_1", Str, s("2022-12-12")),
            ("name14", Str, s("Joy DING")),
            ("name15", Str, s("Joy Ding")),
        ],
    );
    let (uuid_type, uuid) = col(&b, "uuid");
    assert_eq!(uuid_type, Str);
    assert!(matches!(uuid, Value::String(u) if u.len() == 36));
}

#[test]
fn func_system_conf() {
    let query = "select cast(id as STRING) as id, cast(id as INT) as id2, cast(id as DOUBLE) as id3 , cast(c1 as double) as c1_1, cast(c1 as DECIMAL(10,2)) as c1_2, cast(c2 as DATE) as c2_1, coalesce(c3,'Unknown') c3_1, ifnull(c3,'Unknown') c3_2, ifnull(nullif(name,'Joy Ding'),'NULL') name1, nullif(name,'Joy Ding_') name2, cast(c4 as timestamp) as c4_1, cast(c4 as decimal(17,4)) as c4_2, cast(c5 as date) as c5, cast(c6 as time) as c6, cast(name as bytes) as c7, name as `apply` from fake";
    let columns = fields(&[
        ("id", "bigint"),
        ("name", "string"),
        ("c1", "string"),
        ("c2", "timestamp"),
        ("c3", "string"),
        ("c4", "bigint"),
        ("c5", "int"),
        ("c6", "int"),
    ]);
    let row = vec![
        Value::BigInt(1),
        s("Joy Ding"),
        s("12.4"),
        Value::Timestamp(ts("2012-12-21T12:34:56")),
        Value::Null,
        Value::BigInt(1687747869032),
        Value::Int(20230625),
        Value::Int(235109),
    ];
    let b = run(query, columns, &[row]);
    let dec_type = |p, s| DataType::Decimal {
        precision: p,
        scale: s,
    };
    use DataType::{Bytes, Date, Double, Int, String as Str, Time, Timestamp};
    expect(
        &b,
        &[
            ("id", Str, s("1")),
            ("id2", Int, Value::Int(1)),
            ("id3", Double, Value::Double(1.0)),
            ("c1_1", Double, Value::Double(12.4)),
            ("c1_2", dec_type(10, 2), dec("12.40")),
            ("c2_1", Date, Value::Date(date(2012, 12, 21))),
            ("c3_1", Str, s("Unknown")),
            ("c3_2", Str, s("Unknown")),
            ("name1", Str, s("NULL")),
            ("name2", Str, s("Joy Ding")),
            ("c4_2", dec_type(17, 4), dec("1687747869032.0000")),
            ("c5", Date, Value::Date(date(2023, 6, 25))),
            (
                "c6",
                Time,
                Value::Time(NaiveTime::from_hms_opt(23, 51, 9).unwrap()),
            ),
            ("c7", Bytes, Value::Bytes(b"Joy Ding".to_vec())),
            ("apply", Str, s("Joy Ding")),
        ],
    );
    assert_eq!(b.value(0, 4).to_string(), "12.40");
    // Epoch milliseconds become local time, as in the JVM; the job's expected value assumes UTC.
    let (c4_type, c4) = col(&b, "c4_1");
    assert_eq!(c4_type, Timestamp);
    let utc = ts("2023-06-26T02:51:09.032");
    let local = crate::sql::cast::epoch_millis_local(1687747869032).unwrap();
    assert_eq!(c4, Value::Timestamp(local));
    if local == utc {
        assert_eq!(c4.to_string(), "2023-06-26T02:51:09.032");
    }
}

/// Forms from SeaTunnel's SQL function docs that the corpus jobs do not use.
#[test]
fn documented_forms_bind_and_evaluate() {
    let query = "select try_cast(name as int) as t, cast(id as long) as l, cast(id as byte) as b, \
        cast('2021-04-08 13:34:45' as datetime) as dt, cast(1 as boolean) as bo, \
        trim(both 'x' from 'xxaxx') as tr, substring(name from 2 for 3) as sub, \
        position('D' in name) as pos, locate('D', name) as loc, instr(name, 'D') as ins, \
        ceil(1.2) as ce, floor(-1.2) as fl, id between 1 and 2 as btw, not (id > 1) as nt, \
        case id when 1 then 'one' else 'other' end as simple, \
        multi_if(id > 5, 'big', id > 0, 'small', 'none') as mi, \
        array(1, 2, 3) as arr, array_max(array(1, 7, 3)) as amax, split('a;b;;', ';') as sp, \
        concat_ws(',', name, null, 'x') as cw, extract(dow from c11) as dow, \
        extract(epoch from c11) as ep, now() as n, current_time as ct, \
        date_trunc(c11, 'MONTH') as tm, trim_scale(cast(c1 as decimal(10, 4))) as tsc, \
        round(2.5) as r, mod(-7, 2) as m, rand(42) as seeded, \
        formatdatetime(c11, 'EEEE, MMM d') as fd, id - 1.5 as dbl, -id as neg \
        from fake where name is not null and id <> 3";
    let columns = fields(&[
        ("id", "int"),
        ("name", "string"),
        ("c1", "string"),
        ("c11", "timestamp"),
    ]);
    let row = vec![
        Value::Int(1),
        s("Joy Ding"),
        s("12.5"),
        Value::Timestamp(ts("2022-12-11T23:34:45")),
    ];
    let b = run(query, columns, &[row]);
    use DataType::{Array, BigInt, Boolean, Double, Int, String as Str, Time, Timestamp, TinyInt};
    let arr = |v: Vec<Value>| Value::Array(v);
    expect(
        &b,
        &[
            ("t", Int, Value::Null),
            ("l", BigInt, Value::BigInt(1)),
            ("b", TinyInt, Value::TinyInt(1)),
            ("dt", Timestamp, Value::Timestamp(ts("2021-04-08T13:34:45"))),
            ("bo", Boolean, Value::Bool(true)),
            ("tr", Str, s("a")),
            ("sub", Str, s("oy ")),
            ("pos", Int, Value::Int(5)),
            ("loc", Int, Value::Int(5)),
            ("ins", Int, Value::Int(5)),
            ("ce", Int, Value::Int(2)),
            ("fl", Int, Value::Int(-2)),
            ("btw", Boolean, Value::Bool(true)),
            ("nt", Boolean, Value::Bool(true)),
            ("simple", Str, s("one")),
            ("mi", Str, s("small")),
            (
                "arr",
                Array(Box::new(Int)),
                arr(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            ),
            ("amax", Int, Value::Int(7)),
            ("sp", Array(Box::new(Str)), arr(vec![s("a"), s("b")])),
            ("cw", Str, s("Joy Ding,x")),
            ("dow", Int, Value::Int(0)),
            ("ep", BigInt, Value::BigInt(1670801685)),
            ("tm", Timestamp, Value::Timestamp(ts("2022-12-01T00:00:00"))),
            (
                "tsc",
                DataType::Decimal {
                    precision: 10,
                    scale: 4,
                },
                dec("12.5"),
            ),
            ("r", Double, Value::Double(3.0)),
            ("m", Int, Value::Int(-1)),
            ("seeded", Double, Value::Double(0.7275636800328681)),
            ("fd", Str, s("Sunday, Dec 11")),
            ("dbl", Double, Value::Double(-0.5)),
            ("neg", Int, Value::Int(-1)),
        ],
    );
    assert_eq!(col(&b, "n").0, Timestamp);
    assert_eq!(col(&b, "ct").0, Time);
}

#[test]
fn lateral_views_and_aggregates_are_named_as_not_supported() {
    let columns = fields(&[("id", "int"), ("name", "string")]);
    for (query, expected) in [
        (
            "select * from fake lateral view explode(split(name, ',')) as name",
            "not supported: LATERAL VIEW",
        ),
        (
            "select count(id) from fake",
            "not supported: function COUNT",
        ),
        (
            "select id from fake where id in (select id from fake)",
            "not supported: expression",
        ),
        (
            "select parsedatetime(name, name) from fake",
            "not supported: PARSEDATETIME with a pattern",
        ),
        (
            "select from_unixtime(id, 'yyyy', 'Asia/Shanghai') from fake",
            "invalid argument in sql query: time zone",
        ),
    ] {
        let e = run_on("fake", query, columns.clone(), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains(expected), "{query}: {e}");
    }
}
