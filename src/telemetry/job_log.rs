//! Per-job log files: every event that carries a `job_id` field (on the event itself or on an
//! enclosing span) is also written to `<dir>/job-<jobId>.log`, the file name of SeaTunnel's
//! log4j2 routing appender, so the REST `/logs` family can list and serve it.
//!
//! A logging call never waits on the disk: lines go through a bounded channel to one writer
//! thread. When the channel is full the line is dropped and counted ([`JobLogs::dropped`]);
//! losing a job-file line under a burst beats stalling a runtime worker, and the same event
//! still reaches journald or stderr through the main layer.
//!
//! Files open on their first line (append mode, so a restarted node keeps adding to them), are
//! flushed whenever the queue runs empty, and close when the job's owner says it ended
//! ([`JobLogs::close`]), after [`IDLE_CLOSE`] without a line (a job that ended writes nothing
//! more), or when more than [`MAX_OPEN_FILES`] are open (the least recently written closes
//! first). A later line simply reopens the file.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Lines waiting for the writer; at ~200 bytes a line this bounds the queue near 3 MiB.
const QUEUE_CAPACITY: usize = 16 * 1024;
/// A file with no line for this long is closed; a finished job's file closes this long after
/// its last line.
pub const IDLE_CLOSE: Duration = Duration::from_secs(60);
/// More open job files than this close the least recently written one (file descriptors are
/// shared with connectors and sockets).
const MAX_OPEN_FILES: usize = 128;
/// How often the writer wakes to close idle files when no line arrives.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// The field that routes an event to a job file, as the engine and coordinator name it.
const JOB_ID_FIELD: &str = "job_id";

/// SeaTunnel's per-job log file name.
pub fn job_log_file_name(job_id: i64) -> String {
    format!("job-{job_id}.log")
}

/// The job log directory: `--log-dir`, else systemd's `$LOGS_DIRECTORY` (the first entry when
/// `LogsDirectory=` names several), else none. Pure.
pub fn resolve_log_dir(flag: Option<&Path>, logs_directory_env: Option<&str>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    logs_directory_env
        .and_then(|v| v.split(':').find(|p| !p.trim().is_empty()))
        .map(|p| PathBuf::from(p.trim()))
}

enum Msg {
    Line {
        job_id: i64,
        line: String,
    },
    /// The job ended: flush and close its file.
    Close(i64),
    /// Answered once every earlier line is written and flushed.
    Sync(mpsc::Sender<()>),
}

/// The handle to the writer thread; clones share it.
#[derive(Clone)]
pub struct JobLogs {
    dir: PathBuf,
    tx: SyncSender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl JobLogs {
    /// Creates `dir` if needed and starts the writer thread.
    pub fn start(dir: &Path) -> std::io::Result<JobLogs> {
        std::fs::create_dir_all(dir)?;
        let (logs, rx) = JobLogs::unstarted(dir, QUEUE_CAPACITY);
        let mut writer = Writer::new(dir.to_path_buf(), IDLE_CLOSE, MAX_OPEN_FILES);
        std::thread::Builder::new()
            .name("job-log-writer".into())
            .spawn(move || writer.run(rx))?;
        Ok(logs)
    }

    fn unstarted(dir: &Path, capacity: usize) -> (JobLogs, Receiver<Msg>) {
        let (tx, rx) = mpsc::sync_channel(capacity);
        let logs = JobLogs {
            dir: dir.to_path_buf(),
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        (logs, rx)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Lines dropped because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The layer that feeds this writer.
    pub fn layer(&self) -> JobLogLayer {
        JobLogLayer { logs: self.clone() }
    }

    /// Closes `job_id`'s file once its queued lines are written (the job reached a terminal
    /// state). Never blocks; if the queue is full the idle timeout closes the file instead.
    pub fn close(&self, job_id: i64) {
        let _ = self.tx.try_send(Msg::Close(job_id));
    }

    /// Waits (at most `limit`) until every line sent before this call is on disk. For shutdown
    /// and tests; never called from a logging path.
    pub fn sync(&self, limit: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Msg::Sync(tx)).is_err() {
            return false;
        }
        rx.recv_timeout(limit).is_ok()
    }

    fn send(&self, job_id: i64, line: String) {
        match self.tx.try_send(Msg::Line { job_id, line }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

struct OpenFile {
    out: BufWriter<File>,
    last_write: Instant,
    dirty: bool,
}

/// The writer thread's state; driven with explicit times so closing rules are testable.
struct Writer {
    dir: PathBuf,
    idle: Duration,
    max_open: usize,
    files: HashMap<i64, OpenFile>,
}

impl Writer {
    fn new(dir: PathBuf, idle: Duration, max_open: usize) -> Writer {
        Writer {
            dir,
            idle,
            max_open: max_open.max(1),
            files: HashMap::new(),
        }
    }

    fn run(&mut self, rx: Receiver<Msg>) {
        loop {
            match rx.recv_timeout(SWEEP_EVERY) {
                Ok(msg) => {
                    self.handle(msg);
                    while let Ok(msg) = rx.try_recv() {
                        self.handle(msg);
                    }
                    self.flush();
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.flush();
                    return;
                }
            }
            self.sweep(Instant::now());
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Line { job_id, line } => self.write(job_id, &line, Instant::now()),
            Msg::Close(job_id) => {
                if let Some(mut f) = self.files.remove(&job_id) {
                    let _ = f.out.flush();
                }
            }
            Msg::Sync(done) => {
                self.flush();
                let _ = done.send(());
            }
        }
    }

    fn write(&mut self, job_id: i64, line: &str, now: Instant) {
        if !self.files.contains_key(&job_id) {
            if self.files.len() >= self.max_open {
                self.close_least_recent();
            }
            let path = self.dir.join(job_log_file_name(job_id));
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(f) => {
                    self.files.insert(
                        job_id,
                        OpenFile {
                            out: BufWriter::new(f),
                            last_write: now,
                            dirty: false,
                        },
                    );
                }
                Err(e) => {
                    // No job_id on this event, so it cannot loop back here.
                    tracing::warn!(path = %path.display(), error = %e, "cannot open the job log file; the line is lost");
                    return;
                }
            }
        }
        let file = self.files.get_mut(&job_id).expect("inserted above");
        if file.out.write_all(line.as_bytes()).is_ok() {
            file.dirty = true;
        }
        file.last_write = now;
    }

    fn flush(&mut self) {
        for file in self.files.values_mut().filter(|f| f.dirty) {
            let _ = file.out.flush();
            file.dirty = false;
        }
    }

    fn close_least_recent(&mut self) {
        if let Some(&job_id) = self
            .files
            .iter()
            .min_by_key(|(_, f)| f.last_write)
            .map(|(id, _)| id)
        {
            if let Some(mut f) = self.files.remove(&job_id) {
                let _ = f.out.flush();
            }
        }
    }

    fn sweep(&mut self, now: Instant) {
        let idle = self.idle;
        self.files.retain(|_, f| {
            let keep = now.saturating_duration_since(f.last_write) < idle;
            if !keep {
                let _ = f.out.flush();
            }
            keep
        });
    }
}

/// Routes events with a `job_id` to the [`JobLogs`] writer; every other event passes by.
pub struct JobLogLayer {
    logs: JobLogs,
}

/// The job id a span carries, kept in its extensions so child events find it.
struct SpanJobId(i64);

impl<S> Layer<S> for JobLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut v = JobIdVisitor(None);
        attrs.record(&mut v);
        if let (Some(job_id), Some(span)) = (v.0, ctx.span(id)) {
            span.extensions_mut().insert(SpanJobId(job_id));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut v = JobIdVisitor(None);
        values.record(&mut v);
        if let (Some(job_id), Some(span)) = (v.0, ctx.span(id)) {
            let mut ext = span.extensions_mut();
            ext.remove::<SpanJobId>();
            ext.insert(SpanJobId(job_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = LineVisitor::default();
        event.record(&mut fields);
        let job_id = fields.job_id.or_else(|| {
            ctx.event_scope(event)?
                .find_map(|span| span.extensions().get::<SpanJobId>().map(|j| j.0))
        });
        let Some(job_id) = job_id else {
            return;
        };
        let meta = event.metadata();
        let line = format_line(
            job_id,
            &chrono::Local::now()
                .format("%Y-%m-%d %H:%M:%S,%3f")
                .to_string(),
            meta.level().as_str(),
            meta.target(),
            &fields.message,
            &fields.rest,
        );
        self.logs.send(job_id, line);
    }
}

/// One line, after SeaTunnel's pattern `[jobId] time LEVEL [logger] - message`, with the
/// event's other fields appended as `key=value`.
fn format_line(
    job_id: i64,
    time: &str,
    level: &str,
    target: &str,
    message: &str,
    fields: &str,
) -> String {
    let mut line = format!("[{job_id}] {time} {level:<5} [{target}] - {message}");
    line.push_str(fields);
    line.push('\n');
    line
}

/// A `job_id` value as a job id: integers, or text that is one.
fn job_id_of_str(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

struct JobIdVisitor(Option<i64>);

impl Visit for JobIdVisitor {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == JOB_ID_FIELD {
            self.0 = Some(value);
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == JOB_ID_FIELD {
            self.0 = i64::try_from(value).ok();
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == JOB_ID_FIELD {
            self.0 = job_id_of_str(value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == JOB_ID_FIELD {
            self.0 = job_id_of_str(&format!("{value:?}"));
        }
    }
}

/// The message, the job id, and every other field as ` key=value`.
#[derive(Default)]
struct LineVisitor {
    job_id: Option<i64>,
    message: String,
    rest: String,
}

impl Visit for LineVisitor {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == JOB_ID_FIELD {
            self.job_id = Some(value);
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == JOB_ID_FIELD {
            self.job_id = i64::try_from(value).ok();
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            JOB_ID_FIELD => self.job_id = job_id_of_str(value),
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            JOB_ID_FIELD => self.job_id = job_id_of_str(&format!("{value:?}")),
            name => {
                let _ = write!(self.rest, " {name}={value:?}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    const WAIT: Duration = Duration::from_secs(10);

    fn read(dir: &Path, job_id: i64) -> String {
        std::fs::read_to_string(dir.join(job_log_file_name(job_id))).unwrap_or_default()
    }

    #[test]
    fn events_with_a_job_id_go_to_that_jobs_file() {
        let dir = tempfile::tempdir().unwrap();
        let logs = JobLogs::start(&dir.path().join("logs")).unwrap();
        let subscriber = tracing_subscriber::registry().with(logs.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(job_id = 7_i64, job_name = %"fake", "job running");
            tracing::warn!(job_id = 7_u64, pipeline = 1, "task failed: {}", "boom");
            tracing::info!("no job here");
            let span = tracing::info_span!("job", job_id = 8_i64);
            span.in_scope(|| tracing::info!(rows = 5, "inside the job span"));
            tracing::info!(job_id = "9", "id as text");
        });
        assert!(logs.sync(WAIT));
        let dir = logs.dir().to_path_buf();
        let seven = read(&dir, 7);
        let lines: Vec<&str> = seven.lines().collect();
        assert_eq!(lines.len(), 2, "{seven}");
        assert!(lines[0].starts_with("[7] "), "{}", lines[0]);
        assert!(
            lines[0].ends_with(
                "INFO  [seatunnel::telemetry::job_log::tests] - job running job_name=fake"
            ),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("WARN  ["), "{}", lines[1]);
        assert!(
            lines[1].ends_with("- task failed: boom pipeline=1"),
            "{}",
            lines[1]
        );
        assert!(read(&dir, 8).contains("- inside the job span rows=5"));
        assert!(read(&dir, 9).contains("- id as text"));
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(logs.dropped(), 0);
    }

    #[test]
    fn close_ends_a_jobs_file_after_its_queued_lines() {
        let dir = tempfile::tempdir().unwrap();
        let (logs, rx) = JobLogs::unstarted(dir.path(), 8);
        logs.send(4, "before\n".into());
        logs.close(4);
        drop(logs);
        let mut w = Writer::new(dir.path().to_path_buf(), IDLE_CLOSE, 8);
        w.run(rx);
        assert!(w.files.is_empty());
        assert_eq!(read(dir.path(), 4), "before\n");
    }

    #[test]
    fn an_unusable_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(JobLogs::start(&file.join("logs")).is_err());
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let (logs, _rx) = JobLogs::unstarted(dir.path(), 2);
        for _ in 0..5 {
            logs.send(1, "x\n".into());
        }
        assert_eq!(logs.dropped(), 3);
    }

    #[test]
    fn files_close_when_idle_or_over_the_limit_and_reopen_appending() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::new(dir.path().to_path_buf(), Duration::from_secs(60), 2);
        let t0 = Instant::now();
        w.write(1, "a\n", t0);
        w.write(2, "b\n", t0 + Duration::from_secs(1));
        w.write(3, "c\n", t0 + Duration::from_secs(2));
        assert_eq!(w.files.len(), 2);
        assert!(
            !w.files.contains_key(&1),
            "the least recently written closed"
        );
        assert_eq!(read(dir.path(), 1), "a\n", "closing flushes");
        w.sweep(t0 + Duration::from_secs(61));
        assert_eq!(w.files.len(), 1, "job 2 was idle for 60 s");
        w.sweep(t0 + Duration::from_secs(62));
        assert!(w.files.is_empty());
        w.write(1, "d\n", t0 + Duration::from_secs(70));
        w.flush();
        assert_eq!(read(dir.path(), 1), "a\nd\n");
        assert_eq!(read(dir.path(), 3), "c\n");
    }

    #[test]
    fn log_dir_from_flag_then_systemd() {
        assert_eq!(
            resolve_log_dir(Some(Path::new("/x")), Some("/y")),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(
            resolve_log_dir(None, Some("/var/log/seatunnel:/var/log/other")),
            Some(PathBuf::from("/var/log/seatunnel"))
        );
        assert_eq!(resolve_log_dir(None, Some("")), None);
        assert_eq!(resolve_log_dir(None, None), None);
    }

    #[test]
    fn line_format() {
        assert_eq!(
            format_line(3, "2024-01-02 03:04:05,006", "INFO", "t", "m", " k=v"),
            "[3] 2024-01-02 03:04:05,006 INFO  [t] - m k=v\n"
        );
    }
}
