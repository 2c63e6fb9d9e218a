//! The LocalFile source over the corpus fixtures, staged by `tests/corpus/stage_fixtures.sh`
//! into a temp directory, with each corpus text/json job's source options (paths re-rooted) and
//! the facts its Assert sink checks.
//!
//! Needs the compat corpus (`SEATUNNEL_CORPUS`, else `../shared/compat-corpus` beside the
//! repository) and the tools the staging script uses (lzop, zip, tar, gzip). Without the corpus
//! (a user's plain clone) it skips and says so; without the tools it fails and says what is
//! missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::{json, Value as Json};

use seatunnel::connector::{JobMode, Options, PluginContext, Poll, ReaderContext, SourceFactory};
use seatunnel::data::{Batch, TableSchema, Value};
use seatunnel_connector_file_local::LocalFileSourceFactory;

fn corpus() -> Option<PathBuf> {
    seatunnel::test_support::compat_corpus()
}

fn stage(corpus: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/stage_fixtures.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(corpus)
        .env("STAGE_ROOT", root.path())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "stage_fixtures.sh failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    root
}

/// The 15-column schema the text and json e2e jobs declare (json nests upper-case row fields).
fn e2e_schema(upper_row: bool) -> Json {
    let names = [
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
    let mut row = serde_json::Map::new();
    let mut fields = serde_json::Map::new();
    for (n, t) in names {
        let inner = if upper_row {
            n.to_uppercase()
        } else {
            n.to_string()
        };
        row.insert(inner, json!(t));
        fields.insert(n.to_string(), json!(t));
    }
    fields.insert("c_row".into(), Json::Object(row));
    json!({ "fields": fields })
}

struct Read {
    tables: Vec<Arc<TableSchema>>,
    rows: Vec<(String, Vec<Value>)>,
}

impl Read {
    fn column(&self, name: &str) -> Vec<&Value> {
        let i = self.tables[0]
            .index_of(name)
            .unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|(_, r)| &r[i]).collect()
    }

    fn row_where(&self, name: &str, value: &str) -> Vec<Value> {
        let i = self.tables[0].index_of(name).unwrap();
        let matches: Vec<_> = self
            .rows
            .iter()
            .filter(|(_, r)| r[i] == Value::String(value.into()))
            .collect();
        assert_eq!(matches.len(), 1, "exactly one row with {name} = {value}");
        matches[0].1.clone()
    }
}

fn read(root: &Path, mut options: Json) -> Read {
    fn reroot(root: &Path, v: &mut Json) {
        if let Some(obj) = v.as_object_mut() {
            if let Some(Json::String(p)) = obj.get_mut("path") {
                *p = format!("{}{}", root.display(), p);
            }
            if let Some(Json::Array(tables)) = obj.get_mut("tables_configs") {
                tables.iter_mut().for_each(|t| reroot(root, t));
            }
        }
    }
    reroot(root, &mut options);
    let ctx = PluginContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        plugin_name: "LocalFile".into(),
        default_parallelism: 1,
    };
    let source = LocalFileSourceFactory
        .create(
            &ctx,
            &Options::new("LocalFile", options.as_object().unwrap().clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let tables = source.tables();
    let mut rows = Vec::new();
    for subtask in 0..2 {
        let rctx = ReaderContext {
            job_id: 1,
            job_mode: JobMode::Batch,
            subtask_index: subtask,
            parallelism: 2,
        };
        let mut reader = source.start_reader(&rctx).unwrap();
        let mut out = Batch::new(tables[0].clone());
        loop {
            out.clear();
            match reader.poll(&mut out).unwrap_or_else(|e| panic!("{e}")) {
                Poll::Finished => break,
                Poll::Idle(_) => panic!("file sources never idle"),
                Poll::Emitted => rows.extend(
                    (0..out.len()).map(|i| (out.schema().path.full_name(), out.row_values(i))),
                ),
            }
        }
    }
    Read { tables, rows }
}

fn text_job(path: &str, extra: Json) -> Json {
    let mut v = json!({"path": path, "file_format_type": "text", "schema": e2e_schema(false)});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

fn json_job(path: &str, extra: Json) -> Json {
    let mut v = json!({"path": path, "file_format_type": "json", "schema": e2e_schema(true)});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

fn all_non_null(values: &[&Value]) -> bool {
    values.iter().all(|v| !v.is_null())
}

#[test]
fn corpus_text_and_json_jobs_read_their_fixtures() {
    let Some(corpus) = corpus() else {
        println!("skipping: ../shared/compat-corpus is not present (a plain clone)");
        return;
    };
    let staged = stage(&corpus);
    let root = staged.path();

    // local_file_text_to_assert.conf: at most 5 rows; these columns never null.
    let r = read(root, text_job("/seatunnel/read/text", json!({})));
    assert_eq!(r.rows.len(), 5);
    for c in ["c_string", "c_boolean", "c_double", "name", "hobby"] {
        assert!(all_non_null(&r.column(c)), "{c}");
    }
    assert_eq!(r.column("hobby")[0], &Value::String("coding".into()));
    // Nested values of the first line, split on the level separators.
    let first = r.row_where("c_string", "MTDna");
    let idx = |n: &str| r.tables[0].index_of(n).unwrap();
    let Value::Map(map) = &first[idx("c_map")] else {
        panic!("c_map is not a map")
    };
    assert_eq!(map.len(), 5);
    assert_eq!(
        map[0],
        (Value::String("uDDrw".into()), Value::String("sQQYO".into()))
    );
    let Value::Array(arr) = &first[idx("c_array")] else {
        panic!("c_array is not an array")
    };
    assert_eq!(arr.len(), 5);
    assert_eq!(arr[0], Value::Int(545685759));
    let Value::Row(row) = &first[idx("c_row")] else {
        panic!("c_row is not a row")
    };
    assert_eq!(row[2], Value::String("hArFu".into()));
    assert_eq!(row[3], Value::Bool(true));
    assert_eq!(row[13].to_string(), "2023-10-20T03:49:02");
    assert_eq!(first[idx("c_timestamp")].to_string(), "2023-05-08T16:08:51");
    assert_eq!(first[idx("c_float")], Value::Float(2.4798444E38));

    // local_file_text_skip_headers.conf
    let r = read(
        root,
        text_job("/seatunnel/read/text", json!({"skip_header_row_number": 1})),
    );
    assert_eq!(r.rows.len(), 4);

    // local_file_text_projection_to_assert.conf
    let r = read(
        root,
        text_job(
            "/seatunnel/read/text",
            json!({"read_columns": ["c_string", "c_boolean", "c_double"]}),
        ),
    );
    assert_eq!(
        r.tables[0].field_names(),
        ["c_string", "c_boolean", "c_double", "name", "hobby"]
    );

    // local_file_delimiter_assert.conf: `delimiter = "\\|"`, every row qwer/true.
    let r = read(
        root,
        text_job(
            "/seatunnel/read/text_delimiter",
            json!({"read_columns": ["c_string", "c_boolean"], "delimiter": "\\|"}),
        ),
    );
    assert!(!r.rows.is_empty() && r.rows.len() <= 5);
    assert!(r
        .column("c_string")
        .iter()
        .all(|v| **v == Value::String("qwer".into())));
    assert!(r
        .column("c_boolean")
        .iter()
        .all(|v| **v == Value::Bool(true)));

    // local_file_time_format_assert.conf
    let r = read(
        root,
        text_job(
            "/seatunnel/read/text_time_format",
            json!({"read_columns": ["c_timestamp"], "datetime_format": "yyyy-MM-dd'T'HH:mm:ss"}),
        ),
    );
    assert_eq!(r.rows.len(), 5);
    assert!(all_non_null(&r.column("c_timestamp")));

    // local_file_text_lzo_to_assert.conf (plus its sql filter c_string = 'MTDna').
    let r = read(
        root,
        text_job("/seatunnel/read/lzo_text", json!({"compress_codec": "lzo"})),
    );
    let row = r.row_where("c_string", "MTDna");
    let idx = |n: &str| r.tables[0].index_of(n).unwrap();
    assert_eq!(row[idx("c_smallint")], Value::SmallInt(13846));
    assert_eq!(row[idx("c_date")].to_string(), "2023-06-07");

    // The archive jobs: one copy of e2e.txt gives 5 rows, two give 10.
    for (path, codec, rows) in [
        ("/seatunnel/read/zip/txt/single", "zip", 5),
        ("/seatunnel/read/zip/txt/multifile", "zip", 10),
        ("/seatunnel/read/tar/txt/single", "tar", 5),
        ("/seatunnel/read/tar/txt/multifile", "tar", 10),
        ("/seatunnel/read/tar_gz/txt/single", "tar_gz", 5),
        ("/seatunnel/read/tar_gz/txt/multifile", "tar_gz", 10),
    ] {
        let r = read(
            root,
            text_job(path, json!({"archive_compress_codec": codec})),
        );
        assert_eq!(r.rows.len(), rows, "{path}");
        assert!(all_non_null(&r.column("c_string")), "{path}");
    }

    // local_file_text_to_console_with_encoding.conf: numbered columns, gbk text.
    let fields: serde_json::Map<String, Json> = [
        "map<string, string>",
        "array<int>",
        "array<string>",
        "string",
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "decimal(30, 8)",
        "null",
        "bytes",
        "date",
        "timestamp",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| (i.to_string(), json!(t)))
    .collect();
    let r = read(
        root,
        json!({"path": "/seatunnel/read/encoding/text", "file_format_type": "text", "encoding": "gbk",
            "schema": {"fields": fields}}),
    );
    assert_eq!(r.rows.len(), 4);
    assert!(r
        .column("3")
        .iter()
        .any(|v| v.to_string().contains("ABC123")));

    // local_file_text_to_assert_with_multipletable.conf
    let r = read(
        root,
        json!({"tables_configs": [
            {"path": "/seatunnel/read/text", "file_format_type": "text",
             "schema": {"table": "fake01", "fields": e2e_schema(false)["fields"].clone()}},
            {"path": "/seatunnel/read/text", "file_format_type": "text",
             "schema": {"table": "fake02", "fields": e2e_schema(false)["fields"].clone()}}
        ]}),
    );
    let names: Vec<String> = r.tables.iter().map(|t| t.path.full_name()).collect();
    assert_eq!(names, ["fake01", "fake02"]);
    assert_eq!(r.rows.iter().filter(|(t, _)| t == "fake01").count(), 5);
    assert_eq!(r.rows.iter().filter(|(t, _)| t == "fake02").count(), 5);

    // local_file_json_to_assert.conf
    let r = read(root, json_job("/seatunnel/read/json", json!({})));
    assert_eq!(r.rows.len(), 5);
    for c in ["c_string", "c_boolean", "c_double", "name", "hobby"] {
        assert!(all_non_null(&r.column(c)), "{c}");
    }

    // local_file_json_lzo_to_console.conf (its sql filter keeps c_string = 'WArEB').
    let r = read(
        root,
        json_job("/seatunnel/read/lzo_json", json!({"compress_codec": "lzo"})),
    );
    let row = r.row_where("c_string", "WArEB");
    let idx = |n: &str| r.tables[0].index_of(n).unwrap();
    assert_eq!(row[idx("c_smallint")], Value::SmallInt(15920));
    assert_eq!(row[idx("c_date")].to_string(), "2022-04-27");

    for (path, rows) in [
        ("/seatunnel/read/zip/json/single", 5),
        ("/seatunnel/read/zip/json/multifile", 10),
    ] {
        let r = read(
            root,
            json_job(path, json!({"archive_compress_codec": "zip"})),
        );
        assert_eq!(r.rows.len(), rows, "{path}");
    }

    // local_file_json_to_console_with_encoding.conf
    let r = read(
        root,
        json!({"path": "/seatunnel/read/encoding/json", "file_format_type": "json", "encoding": "gbk",
            "schema": {"fields": {"c_map": "map<string, string>", "c_array": "array<int>",
                "c_array_string": "array<string>", "c_string": "string", "c_decimal": "decimal(30, 8)",
                "c_null": "null", "c_bytes": "bytes", "c_date": "date", "c_timestamp": "timestamp"}}}),
    );
    assert_eq!(r.rows.len(), 4);
    assert_eq!(r.column("c_string")[1], &Value::String("海底隧道".into()));

    // local_file_to_console.conf: an empty directory finishes with no rows.
    let r = read(
        root,
        json!({"path": "/tmp/fake_empty", "file_format_type": "json", "schema": {}}),
    );
    assert!(r.rows.is_empty());
}
