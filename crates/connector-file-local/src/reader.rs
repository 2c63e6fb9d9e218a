//! The LocalFile source reader: streams the lines of its files into batches.
//!
//! Each poll fills at most [`BATCH_ROWS`] rows of one table; a table change ends the batch.
//! Lines end at `\n` (a trailing `\r` is dropped); the first `skip_header_row_number` lines of
//! every file (or archive entry) are skipped; empty lines hold no row. Bytes are decoded with
//! `encoding`; invalid sequences become U+FFFD as Java's decoder does.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use super::listing::partitions_of;
use super::source::{LineFormat, TablePlan};
use seatunnel_connector::{ConnectorError, Poll, SourceReader, SourceSplit};
use seatunnel_data::Batch;
use seatunnel_formats::archive::{open_units, Unit};
use seatunnel_formats::json::JsonDecoder;
use seatunnel_formats::text::{LineDecoder, Split};

/// Rows per emitted batch: large enough to amortise the per-batch work downstream.
pub const BATCH_ROWS: usize = 4096;
/// A UTF-8 byte order mark opening a file is not data (SeaTunnel reads through a BOM-aware
/// reader).
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

enum Decoder {
    Line(LineDecoder),
    Json(JsonDecoder),
}

impl Decoder {
    fn for_plan(plan: &TablePlan) -> Decoder {
        let line = |split| {
            Decoder::Line(LineDecoder::new(
                split,
                plan.declared.clone(),
                plan.projection.clone(),
                plan.formats.clone(),
            ))
        };
        match &plan.line_format {
            LineFormat::Text(s) => line(Split::Text(s.clone())),
            LineFormat::Csv(c) => line(Split::Csv(*c)),
            LineFormat::Whole => line(Split::Whole),
            LineFormat::Json => Decoder::Json(JsonDecoder::new(
                plan.declared.clone(),
                plan.projection.clone(),
            )),
        }
    }

    fn decode(
        &mut self,
        line: &str,
        partitions: &[Option<String>],
        out: &mut Batch,
    ) -> Result<(), String> {
        match self {
            Decoder::Line(d) => d.decode(line, partitions, out),
            Decoder::Json(d) => d.decode(line, partitions, out),
        }
    }
}

struct Current {
    table: usize,
    unit: Unit,
    line_no: u64,
    partitions: Vec<Option<String>>,
}

impl Current {
    /// Reads the next line (with its `\n`) into `line`, cleared first; 0 bytes at the end.
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize, ConnectorError> {
        line.clear();
        self.unit.reader.read_until(b'\n', line).map_err(|e| {
            ConnectorError::io(format!("LocalFile: cannot read {}", self.unit.label), e)
        })
    }
}

/// A file split and how far it was read: `units` of its streams (archive entries; a plain file
/// has one) read to their end, then `lines` lines of the next. Lines, not bytes, because a
/// compressed stream cannot seek; a restored reader reads the skipped lines again unparsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProgress {
    pub table: usize,
    pub path: PathBuf,
    pub units: usize,
    pub lines: u64,
}

/// Every reader's files: the `i`-th file of all tables' files together goes to reader
/// `i % parallelism`, as SeaTunnel's file enumerator spreads them.
pub fn enumerate(plans: &[TablePlan], parallelism: usize) -> Vec<Vec<SourceSplit>> {
    let mut out = vec![Vec::new(); parallelism.max(1)];
    let files = plans
        .iter()
        .enumerate()
        .flat_map(|(t, p)| p.files.iter().map(move |f| (t, f.clone())));
    for (i, (table, path)) in files.enumerate() {
        let progress = FileProgress {
            table,
            path,
            units: 0,
            lines: 0,
        };
        out[i % parallelism.max(1)].push(to_split(&progress));
    }
    out
}

fn to_split(p: &FileProgress) -> SourceSplit {
    SourceSplit {
        id: p.path.display().to_string(),
        state: serde_json::to_value(p).expect("a path and numbers serialize"),
    }
}

pub struct LocalFileReader {
    plans: Arc<[TablePlan]>,
    decoders: Vec<Decoder>,
    /// Files this reader owns and has not opened, in order.
    files: VecDeque<FileProgress>,
    /// The open file: `units` counts its streams read to the end.
    file: Option<FileProgress>,
    /// Streams of the open file that are not yet started.
    pending: VecDeque<Unit>,
    current: Option<Current>,
    line: Vec<u8>,
}

impl LocalFileReader {
    pub fn new(
        plans: Arc<[TablePlan]>,
        splits: Vec<SourceSplit>,
    ) -> Result<LocalFileReader, ConnectorError> {
        let files = splits
            .into_iter()
            .map(|s| {
                let p: FileProgress = serde_json::from_value(s.state).map_err(|e| {
                    ConnectorError::runtime(format!(
                        "LocalFile: split {} cannot be restored: {e}; the checkpoint was not written by this source",
                        s.id
                    ))
                })?;
                if p.table >= plans.len() {
                    return Err(ConnectorError::runtime(format!(
                        "LocalFile: split {} reads table {} but the source has {}; the job's tables changed since the checkpoint, so submit it without restoring",
                        s.id,
                        p.table,
                        plans.len()
                    )));
                }
                Ok(p)
            })
            .collect::<Result<_, _>>()?;
        let decoders = plans.iter().map(Decoder::for_plan).collect();
        Ok(LocalFileReader {
            plans,
            decoders,
            files,
            file: None,
            pending: VecDeque::new(),
            current: None,
            line: Vec::new(),
        })
    }

    /// Makes the next stream current; false when every file is read.
    fn advance(&mut self) -> Result<bool, ConnectorError> {
        loop {
            if let Some(file) = &mut self.file {
                if let Some(unit) = self.pending.pop_front() {
                    let plan = &self.plans[file.table];
                    let found = partitions_of(&file.path);
                    let partitions = plan
                        .partition_keys
                        .iter()
                        .map(|k| found.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.clone()))
                        .collect();
                    let mut current = Current {
                        table: file.table,
                        unit,
                        line_no: 0,
                        partitions,
                    };
                    // Restored part-way: the lines before `lines` were emitted before the
                    // checkpoint.
                    while current.line_no < file.lines {
                        if current.read_line(&mut self.line)? == 0 {
                            break;
                        }
                        current.line_no += 1;
                    }
                    self.current = Some(current);
                    return Ok(true);
                }
                self.file = None;
            }
            let Some(next) = self.files.pop_front() else {
                return Ok(false);
            };
            let plan = &self.plans[next.table];
            // The error already names the file (and the archive entry).
            let units = open_units(&next.path, plan.archive, plan.compression)
                .map_err(|e| ConnectorError::io("LocalFile", e))?;
            self.pending = units.into_iter().skip(next.units).collect();
            self.file = Some(next);
        }
    }

    /// The current stream ended: the open file's next one starts at its first line.
    fn unit_done(&mut self) {
        self.current = None;
        if let Some(file) = &mut self.file {
            file.units += 1;
            file.lines = 0;
        }
    }
}

impl SourceReader for LocalFileReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        loop {
            if self.current.is_none() && !self.advance()? {
                return Ok(if out.is_empty() {
                    Poll::Finished
                } else {
                    Poll::Emitted
                });
            }
            let cur = self.current.as_mut().expect("advanced");
            let plan = &self.plans[cur.table];
            if !Arc::ptr_eq(out.schema(), &plan.schema) {
                if !out.is_empty() {
                    return Ok(Poll::Emitted);
                }
                out.reset(plan.schema.clone());
            }
            let decoder = &mut self.decoders[cur.table];
            while out.len() < BATCH_ROWS {
                let n = cur.read_line(&mut self.line)?;
                if n == 0 {
                    self.unit_done();
                    break;
                }
                cur.line_no += 1;
                if cur.line_no <= plan.skip_header as u64 {
                    continue;
                }
                let mut bytes: &[u8] = &self.line;
                if let Some(b) = bytes.strip_suffix(b"\n") {
                    bytes = b;
                }
                if let Some(b) = bytes.strip_suffix(b"\r") {
                    bytes = b;
                }
                if cur.line_no == 1 && plan.charset.is_utf8() {
                    bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
                }
                if bytes.is_empty() {
                    continue;
                }
                let text: Cow<str> = if plan.charset.is_utf8() {
                    String::from_utf8_lossy(bytes)
                } else {
                    plan.charset.0.decode_without_bom_handling(bytes).0
                };
                decoder.decode(&text, &cur.partitions, out).map_err(|e| {
                    ConnectorError::runtime(format!(
                        "LocalFile: {} line {}: {e}",
                        cur.unit.label, cur.line_no
                    ))
                })?;
            }
            if out.len() >= BATCH_ROWS {
                return Ok(Poll::Emitted);
            }
        }
    }

    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError> {
        // An open file with no stream current and none pending is read to its end: a restore
        // must not open it again (a named pipe would wait for a writer).
        let read_to_end = self.current.is_none() && self.pending.is_empty();
        let open = self
            .file
            .as_ref()
            .filter(|_| !read_to_end)
            .map(|f| FileProgress {
                lines: self.current.as_ref().map_or(0, |c| c.line_no),
                ..f.clone()
            });
        Ok(open.iter().chain(&self.files).map(to_split).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::plan_table;
    use seatunnel_connector::Options;
    use seatunnel_data::Value;
    use seatunnel_formats::compress::LzopWriter;
    use serde_json::json;
    use std::io::Write;
    use std::path::Path;

    fn plan(v: serde_json::Value) -> TablePlan {
        plan_table(&Options::new("LocalFile", v.as_object().unwrap().clone())).unwrap()
    }

    /// Reads everything one reader of `parallelism` gets, as rows of values.
    fn read_all(
        plans: Vec<TablePlan>,
        subtask: usize,
        parallelism: usize,
    ) -> Result<Vec<(String, Vec<Value>)>, ConnectorError> {
        let plans: Arc<[TablePlan]> = plans.into();
        let splits = enumerate(&plans, parallelism).swap_remove(subtask);
        let mut reader = LocalFileReader::new(plans.clone(), splits)?;
        let mut out = Batch::new(plans[0].schema.clone());
        let mut rows = Vec::new();
        loop {
            out.clear();
            match reader.poll(&mut out)? {
                Poll::Finished => return Ok(rows),
                Poll::Idle(_) => unreachable!("file reads never idle"),
                Poll::Emitted => {
                    for r in 0..out.len() {
                        rows.push((out.schema().path.full_name(), out.row_values(r)));
                    }
                }
            }
        }
    }

    fn text_plan(path: &Path, extra: serde_json::Value) -> TablePlan {
        let mut v = json!({
            "path": path.to_str().unwrap(),
            "file_format_type": "text",
            "schema": {"fields": {"name": "string", "age": "int"}}
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        plan(v)
    }

    #[test]
    fn reads_lines_with_partitions_and_header_skipping() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("dt=2024/region=eu");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(
            deep.join("a.txt"),
            "\u{FEFF}name\u{1}age\r\nann\u{1}30\r\n\nbob\u{1}\n",
        )
        .unwrap();
        let rows = read_all(
            vec![text_plan(dir.path(), json!({"skip_header_row_number": 1}))],
            0,
            1,
        )
        .unwrap();
        let values: Vec<_> = rows.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            vec![
                vec![
                    Value::String("ann".into()),
                    Value::Int(30),
                    Value::String("2024".into()),
                    Value::String("eu".into())
                ],
                vec![
                    Value::String("bob".into()),
                    Value::Null,
                    Value::String("2024".into()),
                    Value::String("eu".into())
                ],
            ]
        );
    }

    #[test]
    fn large_files_span_batches_and_readers_split_files() {
        let dir = tempfile::tempdir().unwrap();
        for f in 0..3 {
            let body: String = (0..5000).map(|i| format!("n{i}\u{1}{i}\n")).collect();
            std::fs::write(dir.path().join(format!("f{f}.txt")), body).unwrap();
        }
        let p = || text_plan(dir.path(), json!({}));
        assert_eq!(read_all(vec![p()], 0, 1).unwrap().len(), 15000);
        let split: usize = (0..2)
            .map(|s| read_all(vec![p()], s, 2).unwrap().len())
            .sum();
        assert_eq!(split, 15000);
        assert_eq!(read_all(vec![p()], 1, 2).unwrap().len(), 5000);
    }

    #[test]
    fn multi_table_batches_carry_their_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x\u{1}1\ny\u{1}2").unwrap();
        let mut t1 = text_plan(dir.path(), json!({}));
        let mut t2 = text_plan(dir.path(), json!({}));
        t1.schema = seatunnel_data::TableSchema::new(
            seatunnel_data::TablePath::parse("fake01"),
            t1.schema.fields.clone(),
        );
        t2.schema = seatunnel_data::TableSchema::new(
            seatunnel_data::TablePath::parse("fake02"),
            t2.schema.fields.clone(),
        );
        let rows = read_all(vec![t1, t2], 0, 1).unwrap();
        let tables: Vec<_> = rows.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tables, ["fake01", "fake01", "fake02", "fake02"]);
    }

    #[test]
    fn gbk_lzo_csv_and_json_files() {
        let dir = tempfile::tempdir().unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode("海底隧道\u{1}7\n");
        std::fs::create_dir(dir.path().join("gbk")).unwrap();
        std::fs::write(dir.path().join("gbk/a.txt"), &gbk).unwrap();
        let rows = read_all(
            vec![text_plan(
                &dir.path().join("gbk"),
                json!({"encoding": "gbk"}),
            )],
            0,
            1,
        )
        .unwrap();
        assert_eq!(rows[0].1[0], Value::String("海底隧道".into()));

        std::fs::create_dir(dir.path().join("lzo")).unwrap();
        let mut w =
            LzopWriter::new(std::fs::File::create(dir.path().join("lzo/a.txt")).unwrap()).unwrap();
        w.write_all("a\u{1}1\nb\u{1}2\n".repeat(1000).as_bytes())
            .unwrap();
        w.finish().unwrap();
        let rows = read_all(
            vec![text_plan(
                &dir.path().join("lzo"),
                json!({"compress_codec": "lzo"}),
            )],
            0,
            1,
        )
        .unwrap();
        assert_eq!(rows.len(), 2000);

        std::fs::create_dir(dir.path().join("csv")).unwrap();
        std::fs::write(dir.path().join("csv/a.csv"), "name,age\n\"x,y\",5\n").unwrap();
        let rows = read_all(
            vec![text_plan(
                &dir.path().join("csv"),
                json!({"file_format_type": "csv", "skip_header_row_number": 1}),
            )],
            0,
            1,
        )
        .unwrap();
        assert_eq!(rows[0].1, vec![Value::String("x,y".into()), Value::Int(5)]);

        std::fs::create_dir(dir.path().join("json")).unwrap();
        std::fs::write(
            dir.path().join("json/a.json"),
            "{\"name\":\"j\",\"age\":9}\n{\"name\":\"k\"}",
        )
        .unwrap();
        let rows = read_all(
            vec![text_plan(
                &dir.path().join("json"),
                json!({"file_format_type": "json"}),
            )],
            0,
            1,
        )
        .unwrap();
        assert_eq!(rows[1].1, vec![Value::String("k".into()), Value::Null]);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_not_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.txt"),
            "\u{FEFF}ann\u{1}1\n\u{FEFF}bob\u{1}2",
        )
        .unwrap();
        let rows = read_all(vec![text_plan(dir.path(), json!({}))], 0, 1).unwrap();
        assert_eq!(rows[0].1[0], Value::String("ann".into()));
        assert_eq!(
            rows[1].1[0],
            Value::String("\u{FEFF}bob".into()),
            "only at the start"
        );
    }

    #[test]
    fn unreadable_files_name_themselves_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "not lzop").unwrap();
        let e = read_all(
            vec![text_plan(dir.path(), json!({"compress_codec": "lzo"}))],
            0,
            1,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("LocalFile: "), "{e}");
        assert_eq!(e.matches("a.txt").count(), 1, "{e}");
        assert!(e.contains("not an lzop file"), "{e}");
    }

    #[test]
    fn bad_values_fail_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "ok\u{1}1\nbad\u{1}x1\n").unwrap();
        let e = read_all(vec![text_plan(dir.path(), json!({}))], 0, 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("a.txt line 2: column 'age': cannot parse 'x1' as INT"),
            "{e}"
        );
    }

    /// Reads with a snapshot after `polls` polls and a second reader restored from it; both
    /// parts as the names they read.
    fn read_in_two(plans: &Arc<[TablePlan]>, polls: usize) -> (Vec<String>, Vec<String>) {
        let splits = enumerate(plans, 1).swap_remove(0);
        let mut first = LocalFileReader::new(plans.clone(), splits).unwrap();
        let mut out = Batch::new(plans[0].schema.clone());
        let names = |out: &Batch| -> Vec<String> {
            (0..out.len())
                .map(|r| match &out.row_values(r)[0] {
                    Value::String(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let mut before = Vec::new();
        for _ in 0..polls {
            out.clear();
            if first.poll(&mut out).unwrap() == Poll::Emitted {
                before.extend(names(&out));
            }
        }
        let text = serde_json::to_string(&first.snapshot().unwrap()).unwrap();
        let mut second =
            LocalFileReader::new(plans.clone(), serde_json::from_str(&text).unwrap()).unwrap();
        let mut after = Vec::new();
        loop {
            out.clear();
            match second.poll(&mut out).unwrap() {
                Poll::Finished => return (before, after),
                _ => after.extend(names(&out)),
            }
        }
    }

    #[test]
    fn a_snapshot_restores_exactly_the_lines_not_yet_read_in_files_and_archive_entries() {
        let dir = tempfile::tempdir().unwrap();
        let lines = |prefix: &str, n: usize| -> String {
            (0..n).map(|i| format!("{prefix}{i},{i}\n")).collect()
        };
        // One plain file longer than a batch, then a zip whose two entries each span batches.
        std::fs::create_dir_all(dir.path().join("plain")).unwrap();
        std::fs::write(
            dir.path().join("plain/a.txt"),
            format!("header\n{}", lines("a", 5000)),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("zip")).unwrap();
        let mut z =
            zip::ZipWriter::new(std::fs::File::create(dir.path().join("zip/b.zip")).unwrap());
        for (name, prefix) in [("b1.txt", "b"), ("b2.txt", "c")] {
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(format!("header\n{}", lines(prefix, 4500)).as_bytes())
                .unwrap();
        }
        z.finish().unwrap();
        let plans: Arc<[TablePlan]> = vec![
            text_plan(&dir.path().join("plain"), json!({"field_delimiter": ",", "skip_header_row_number": 1})),
            text_plan(&dir.path().join("zip"), json!({"field_delimiter": ",", "skip_header_row_number": 1, "archive_compress_codec": "zip"})),
        ]
        .into();
        let (nothing, whole) = read_in_two(&plans, 0);
        assert!(nothing.is_empty());
        assert_eq!(whole.len(), 5000 + 2 * 4500);
        for polls in 1..8 {
            let (before, after) = read_in_two(&plans, polls);
            assert!(!before.is_empty());
            let mut both = before.clone();
            both.extend(after);
            assert_eq!(
                both, whole,
                "cut after {polls} polls: every line once, in order"
            );
        }
    }
}
