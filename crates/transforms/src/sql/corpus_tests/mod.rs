//! One test per SeaTunnel corpus job that uses the Sql transform: the job's query runs over
//! rows shaped like its FakeSource output, and the result is checked against the job's Assert
//! rules (column types and values). Queries are copied verbatim from the job files.

#![allow(clippy::approx_constant)] // expected values are copied from the jobs' Assert rules

mod functions;

use std::str::FromStr;
use std::sync::Arc;

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::json;

use seatunnel_connector::{ConnectorError, JobMode, Options, PluginContext, TransformFactory};
use seatunnel_data::{Batch, DataType, Field, RowKind, RowType, TablePath, TableSchema, Value};

use super::SqlFactory;

pub fn ctx() -> PluginContext {
    PluginContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        plugin_name: "Sql".into(),
        default_parallelism: 1,
    }
}

pub fn ty(text: &str) -> DataType {
    DataType::parse(text).unwrap()
}

pub fn fields(spec: &[(&str, &str)]) -> Vec<Field> {
    spec.iter().map(|(n, t)| Field::new(*n, ty(t))).collect()
}

pub fn batch(schema: &Arc<TableSchema>, rows: &[Vec<Value>]) -> Batch {
    let mut b = Batch::new(schema.clone());
    for row in rows {
        b.begin_row(RowKind::Insert);
        for v in row {
            b.push_value(v);
        }
    }
    b
}

/// Runs `query` as a `Sql` transform reading table `table` with the given columns and rows.
pub fn run_on(
    table: &str,
    query: &str,
    columns: Vec<Field>,
    rows: &[Vec<Value>],
) -> Result<Batch, ConnectorError> {
    let options = Options::new(
        "Sql",
        json!({"source_table_name": table, "result_table_name": "fake1", "query": query})
            .as_object()
            .unwrap()
            .clone(),
    );
    let transform = SqlFactory.create(&ctx(), &options)?;
    let schema = TableSchema::new(TablePath::parse("fake"), columns);
    let mut bound = transform.bind(&schema)?;
    let mut out = Batch::new(bound.output_schema().clone());
    bound.process(&batch(&schema, rows), &mut out)?;
    Ok(out)
}

pub fn run(query: &str, columns: Vec<Field>, rows: &[Vec<Value>]) -> Batch {
    run_on("fake", query, columns, rows).unwrap()
}

/// Column `name` of row 0: its declared type and value.
pub fn col(b: &Batch, name: &str) -> (DataType, Value) {
    let i = b
        .schema()
        .index_of(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", b.schema().field_names()));
    (b.schema().fields[i].data_type.clone(), b.value(0, i))
}

pub fn s(v: &str) -> Value {
    Value::String(v.into())
}

pub fn ts(v: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn dec(v: &str) -> Value {
    Value::Decimal(BigDecimal::from_str(v).unwrap())
}

/// Checks `(column, type, value)` triples of row 0.
pub fn expect(b: &Batch, cases: &[(&str, DataType, Value)]) {
    for (name, t, v) in cases {
        assert_eq!(col(b, name), (t.clone(), v.clone()), "column {name}");
    }
}

/// A row of the schema used by several random-data jobs.
pub fn random_row(i: i32) -> Vec<Value> {
    vec![
        Value::Int(i),
        s(&format!("name{i}")),
        Value::Int(20 + i),
        Value::Timestamp(ts("2023-04-22T23:20:58")),
        Value::Date(date(2023, 4, 22)),
        Value::Map(vec![(s("k"), s("v"))]),
        Value::Array(vec![Value::Int(1), Value::Int(2)]),
        dec("12.50000000"),
    ]
}

pub const RANDOM_FIELDS: [(&str, &str); 8] = [
    ("id", "int"),
    ("name", "string"),
    ("age", "int"),
    ("c_timestamp", "timestamp"),
    ("c_date", "date"),
    ("c_map", "map<string, string>"),
    ("c_array", "array<int>"),
    ("c_decimal", "decimal(30, 8)"),
];

#[test]
fn sql_transform_conf() {
    let query = "select id, regexp_replace(name, '.+', 'b') as name, age+1 as age, pi() as pi, c_time, c_timestamp, c_date, c_map, c_array, c_decimal, c_row from fake";
    let inner = DataType::Row(Arc::new(RowType {
        fields: vec![Field::new(
            "c_row",
            DataType::Row(Arc::new(RowType {
                fields: vec![Field::new("c_int", DataType::Int)],
            })),
        )],
    }));
    let mut columns = fields(&[
        ("id", "int"),
        ("name", "string"),
        ("age", "int"),
        ("c_time", "time"),
    ]);
    columns.extend(fields(&RANDOM_FIELDS[3..]));
    columns.push(Field::new("c_row", inner));
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| {
            let r = random_row(i);
            let mut row = vec![
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                Value::Time(NaiveTime::from_hms_opt(1, 2, 3).unwrap()),
            ];
            row.extend(r[3..].iter().cloned());
            row.push(Value::Row(vec![Value::Row(vec![Value::Int(i)])]));
            row
        })
        .collect();
    let b = run(query, columns, &rows);
    assert_eq!(b.len(), 100, "MIN_ROW 100");
    expect(
        &b,
        &[
            ("id", DataType::Int, Value::Int(0)),
            ("name", DataType::String, s("b")),
            ("age", DataType::Int, Value::Int(21)),
            ("pi", DataType::Double, Value::Double(std::f64::consts::PI)),
            (
                "c_time",
                DataType::Time,
                Value::Time(NaiveTime::from_hms_opt(1, 2, 3).unwrap()),
            ),
            (
                "c_timestamp",
                DataType::Timestamp,
                Value::Timestamp(ts("2023-04-22T23:20:58")),
            ),
            ("c_date", DataType::Date, Value::Date(date(2023, 4, 22))),
        ],
    );
    assert_eq!(
        b.value(99, 10),
        Value::Row(vec![Value::Row(vec![Value::Int(99)])])
    );
}

#[test]
fn binary_expression_conf() {
    let query = "select id+1 as id, id*4 as id2, price/3 as price, price-34.22 as price2, price%23.12 as price3, name||'_'||id as name from fake";
    let b = run(
        query,
        fields(&[("id", "int"), ("name", "string"), ("price", "double")]),
        &[vec![Value::Int(1), s("Joy Ding"), Value::Double(134.22)]],
    );
    expect(
        &b,
        &[
            ("id", DataType::Int, Value::Int(2)),
            ("id2", DataType::Int, Value::Int(4)),
            ("price", DataType::Double, Value::Double(44.74)),
            ("price2", DataType::Double, Value::Double(100.0)),
            (
                "price3",
                DataType::Double,
                Value::Double(18.619999999999994),
            ),
            ("name", DataType::String, s("Joy Ding_1")),
        ],
    );
}

#[test]
fn case_when_conf() {
    let query = r#"
      select case when c_string in ('c_string') then 1 else 0 end     as c_string_1,
       case when c_string not in ('c_string') then 1 else 0 end as c_string_0,
       case when c_tinyint = 117 and TO_CHAR(c_boolean)='true' then 1 else 0 end as c_tinyint_boolean_1,
       case when c_tinyint != 117 and TO_CHAR(c_boolean)='true' then 1 else 0 end as c_tinyint_boolean_0,
       case when c_tinyint != 117 or TO_CHAR(c_boolean)='true' then 1 else 0 end as c_tinyint_boolean_or_1,
       case when c_int > 1 and c_bigint >1 and c_float >1 and c_double > 1 and c_decimal > 1 then 1 else 0 end as c_number_1,
       case when c_tinyint <> 117 then 1 else 0 end as c_number_0
       from fake
    "#;
    let columns = fields(&[
        ("c_string", "string"),
        ("c_boolean", "boolean"),
        ("c_tinyint", "tinyint"),
        ("c_smallint", "smallint"),
        ("c_int", "int"),
        ("c_bigint", "bigint"),
        ("c_float", "float"),
        ("c_double", "double"),
        ("c_decimal", "decimal(30, 8)"),
        ("c_bytes", "bytes"),
        ("c_date", "date"),
        ("c_timestamp", "timestamp"),
    ]);
    let row = vec![
        s("c_string"),
        Value::Bool(true),
        Value::TinyInt(117),
        Value::SmallInt(15987),
        Value::Int(56387395),
        Value::BigInt(7084913402530365000),
        Value::Float(1.23),
        Value::Double(1.23),
        dec("2924137191386439303744.39292216"),
        Value::Bytes(b"miIZj".to_vec()),
        Value::Date(date(2023, 4, 22)),
        Value::Timestamp(ts("2023-04-22T23:20:58")),
    ];
    let b = run(query, columns, &[row]);
    assert_eq!(b.len(), 1);
    expect(
        &b,
        &[
            ("c_string_1", DataType::Int, Value::Int(1)),
            ("c_string_0", DataType::Int, Value::Int(0)),
            ("c_tinyint_boolean_1", DataType::Int, Value::Int(1)),
            ("c_tinyint_boolean_0", DataType::Int, Value::Int(0)),
            ("c_tinyint_boolean_or_1", DataType::Int, Value::Int(1)),
            ("c_number_1", DataType::Int, Value::Int(1)),
            ("c_number_0", DataType::Int, Value::Int(0)),
        ],
    );
}

#[test]
fn criteria_filter_conf() {
    let query = r#"
      select id, name, age, email from fake
              where ( id = 1 or id = 4 or id in (8, 9, 10, 11, 12) )
                  and id != 0 and name <> 'Kin Dom'
                  and ( age >= 20 or age < 22 )
                  and regexp_like(name, '[A-Z ]*')
                  and id > 0 and id >= 1 and id in (1, 2, 3, 4, 8, 9, 10, 11, 12)
                  and id not in (5, 6, 7) and name is not null and email is null
                  and id < 500 and id <= 500
                  and ( name like '%Din_' or name like 'Wan_%' or name like '%Yu%' )
                  and name not like '%LeBron%'
                  and name not like 'Wan_%'
                  and name not like '%Lian_'
    "#;
    let people = [
        (1, "Joy Ding", 20, None),
        (2, "May Ding", 22, Some("may_ding@apache.com")),
        (3, "Kin Dom", 21, Some("kin_dom@apache.com")),
        (4, "LeBron Ding", 38, None),
        (8, "Wang DingCC", 34, None),
        (9, "Zu DingDD", 33, None),
        (10, "Zhang DingEE", 40, None),
        (11, "Lin Qiang", 40, None),
        (12, "Yu Liang", 40, None),
    ];
    let rows: Vec<Vec<Value>> = people
        .iter()
        .map(|(id, name, age, email)| {
            vec![
                Value::Int(*id),
                s(name),
                Value::Int(*age),
                email.map_or(Value::Null, s),
            ]
        })
        .collect();
    let b = run(
        query,
        fields(&[
            ("id", "int"),
            ("name", "string"),
            ("age", "int"),
            ("email", "string"),
        ]),
        &rows,
    );
    assert_eq!(b.len(), 1, "MIN_ROW 1 and MAX_ROW 1");
    expect(&b, &[("id", DataType::Int, Value::Int(1))]);
}

#[test]
fn inner_query_conf() {
    let query = r#"select c_date,
        c_row.c_string c_string,
        c_row.c_inner_row.c_inner_string c_inner_string,
        c_row.c_inner_row.c_inner_timestamp c_inner_timestamp,
        c_row.c_inner_row.c_map inner_map,
        c_row.c_inner_row.c_map.innerQuery map_val,
        c_row.c_inner_row.c_map.notExistKey map_not_exist_val
        from fake"#;
    let map_type = ty("map<string, string>");
    let inner_row = DataType::Row(Arc::new(RowType {
        fields: vec![
            Field::new("c_inner_int", DataType::Int),
            Field::new("c_inner_string", DataType::String),
            Field::new("c_inner_timestamp", DataType::Timestamp),
            Field::new("c_map", map_type.clone()),
        ],
    }));
    let c_row = DataType::Row(Arc::new(RowType {
        fields: vec![
            Field::new("c_inner_row", inner_row),
            Field::new("c_string", DataType::String),
        ],
    }));
    let columns = vec![
        Field::new("name", DataType::String),
        Field::new("c_date", DataType::Date),
        Field::new("c_row", c_row),
    ];
    let map = Value::Map(vec![(s("innerQuery"), s("innerQuery"))]);
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| {
            vec![
                s("innerQuery"),
                Value::Date(date(2024, 1, 1 + i % 28)),
                Value::Row(vec![
                    Value::Row(vec![
                        Value::Int(i as i32),
                        s("innerQuery"),
                        Value::Timestamp(ts("2024-01-01T10:00:00")),
                        map.clone(),
                    ]),
                    s("innerQuery"),
                ]),
            ]
        })
        .collect();
    let b = run(query, columns, &rows);
    assert_eq!(b.len(), 100);
    expect(
        &b,
        &[
            ("c_date", DataType::Date, Value::Date(date(2024, 1, 1))),
            ("c_string", DataType::String, s("innerQuery")),
            ("c_inner_string", DataType::String, s("innerQuery")),
            (
                "c_inner_timestamp",
                DataType::Timestamp,
                Value::Timestamp(ts("2024-01-01T10:00:00")),
            ),
            ("inner_map", map_type, map.clone()),
            ("map_val", DataType::String, s("innerQuery")),
            ("map_not_exist_val", DataType::String, Value::Null),
        ],
    );
    assert_eq!(b.value(0, 4).to_string(), "{innerQuery=innerQuery}");
}

#[test]
fn sql_all_columns_conf() {
    let b = run(
        "select *, id as id_ from fake",
        fields(&RANDOM_FIELDS),
        &(0..100).map(random_row).collect::<Vec<_>>(),
    );
    assert_eq!(b.len(), 100);
    let mut names: Vec<&str> = RANDOM_FIELDS.iter().map(|(n, _)| *n).collect();
    names.push("id_");
    assert_eq!(b.schema().field_names(), names);
    assert_eq!(b.row_values(7)[..8], random_row(7)[..]);
    expect(
        &b,
        &[
            ("id_", DataType::Int, Value::Int(0)),
            ("c_date", DataType::Date, Value::Date(date(2023, 4, 22))),
        ],
    );
}

#[test]
fn fake_to_assert_conf() {
    let scalars: [(&str, &str); 14] = [
        ("c_map", "map<string, string>"),
        ("c_array", "array<int>"),
        ("c_string", "string"),
        ("c_boolean", "boolean"),
        ("c_tinyint", "tinyint"),
        ("c_smallint", "smallint"),
        ("c_int", "int"),
        ("c_bigint", "bigint"),
        ("c_float", "float"),
        ("c_double", "double"),
        ("c_bytes", "bytes"),
        ("c_date", "date"),
        ("c_decimal", "decimal(38, 18)"),
        ("c_timestamp", "timestamp"),
    ];
    let values = vec![
        Value::Map(vec![(s("a"), s("b"))]),
        Value::Array(vec![Value::Int(1)]),
        s("text"),
        Value::Bool(false),
        Value::TinyInt(1),
        Value::SmallInt(2),
        Value::Int(3),
        Value::BigInt(4),
        Value::Float(5.5),
        Value::Double(6.25),
        Value::Bytes(vec![1, 2]),
        Value::Date(date(2024, 2, 29)),
        dec("1.500000000000000000"),
        Value::Timestamp(ts("2024-02-29T01:02:03.456")),
    ];
    let mut columns = fields(&scalars);
    columns.push(Field::new(
        "c_row",
        DataType::Row(Arc::new(RowType {
            fields: fields(&scalars),
        })),
    ));
    let mut row = values.clone();
    row.push(Value::Row(values));
    let rows = vec![row; 5];
    let b = run("select * from fake", columns.clone(), &rows);
    assert_eq!(b.len(), 5, "MAX_ROW 5");
    assert_eq!(b.schema().fields, columns);
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(&b.row_values(r), row);
    }
}

#[test]
fn fake_to_console_variables_conf() {
    // After `-i resName=a20241023 -i nameVal=abc`: the HOCON concatenation yields this query.
    let query = "select * from a20241023 where name = 'abc' ";
    let rows: Vec<Vec<Value>> = (0..10)
        .map(|i| vec![s(if i % 2 == 0 { "abc" } else { "def" }), Value::Int(i)])
        .collect();
    let b = run_on(
        "a20241023",
        query,
        fields(&[("name", "string"), ("age", "int")]),
        &rows,
    )
    .unwrap();
    assert_eq!(b.len(), 5);
    assert!((0..5).all(|r| b.value(r, 0) == s("abc")));
    assert_eq!(b.value(1, 1), Value::Int(2));
}

#[test]
fn fake_to_console_with_default_value_variables_conf() {
    let query = "select * from fake_test_table where name = 'abc' ";
    let rows: Vec<Vec<Value>> = (0..50)
        .map(|i| {
            vec![
                s(if i % 3 == 0 { "abc" } else { "def" }),
                Value::Int(20 + i % 2),
            ]
        })
        .collect();
    let b = run_on(
        "fake_test_table",
        query,
        fields(&[("name", "string"), ("age", "int")]),
        &rows,
    )
    .unwrap();
    assert_eq!(b.len(), 17);
    assert_eq!(b.schema().field_names(), vec!["name", "age"]);
}

#[test]
fn batch_fakesource_to_console_error_conf() {
    let query = "select cast(name as int) as name, id,age from fake";
    let rows = vec![vec![Value::Int(1), s("BnYjD"), Value::Int(7)]];
    let e = run_on(
        "fake",
        query,
        fields(&[("id", "int"), ("name", "string"), ("age", "int")]),
        &rows,
    )
    .unwrap_err();
    let ConnectorError::Runtime(message) = &e else {
        panic!("expected a runtime failure, got {e:?}")
    };
    assert!(
        message.starts_with("java.lang.NumberFormatException: For input string: \"BnYjD\""),
        "{message}"
    );
}

#[test]
fn wrong_table_and_unknown_functions_fail_at_bind() {
    let columns = fields(&[("id", "int")]);
    let e = run_on("fake", "select id from other", columns.clone(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("plugin Sql: sql query reads table 'other'"),
        "{e}"
    );
    let e = run_on(
        "fake",
        "select json_query(id) from fake",
        columns.clone(),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("plugin Sql: not supported: function JSON_QUERY"),
        "{e}"
    );
    let e = run_on("fake", "select id from", columns, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("plugin Sql: option 'query' cannot parse sql query"),
        "{e}"
    );
}

#[test]
fn row_kinds_pass_through_and_failed_rows_are_not_half_written() {
    let options = Options::new(
        "Sql",
        json!({"query": "select id, 10 / id as q from fake"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let schema = TableSchema::new(TablePath::parse("fake"), fields(&[("id", "int")]));
    let mut bound = SqlFactory
        .create(&ctx(), &options)
        .unwrap()
        .bind(&schema)
        .unwrap();
    let mut input = Batch::new(schema.clone());
    input.begin_row(RowKind::UpdateAfter);
    input.push_value(&Value::Int(5));
    input.begin_row(RowKind::Insert);
    input.push_value(&Value::Int(0));
    let mut out = Batch::new(bound.output_schema().clone());
    let e = bound.process(&input, &mut out).unwrap_err().to_string();
    assert!(
        e.starts_with("java.lang.ArithmeticException: / by zero"),
        "{e}"
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out.kind(0), RowKind::UpdateAfter);
    assert_eq!(out.row_values(0), vec![Value::Int(5), Value::Int(2)]);
}
