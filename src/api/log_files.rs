//! The node's log directory as `/logs` serves it: which names are log files, listing them, and
//! reading one without ever leaving the directory.
//!
//! A name is served only if it is a plain file name made of `[A-Za-z0-9._-]`, ends in `.log`,
//! does not start with `.` and holds no `..`, and names a regular file (not a symlink) directly
//! in the directory. Everything else is refused before the file system is touched.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::telemetry::job_log_file_name;

/// Longest name accepted (the usual file-name limit).
const MAX_NAME_LEN: usize = 255;
/// At most this much of a file is answered: its last bytes, like SeaTunnel's later
/// `log-response-max-size-mb`, so one huge file cannot exhaust memory.
pub const MAX_LOG_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    #[error("this node has no job log directory; start it with --log-dir DIR, or set LogsDirectory= in its systemd unit")]
    NoLogDir,
    #[error("invalid log file name '{0}': expected a file name such as job-<jobId>.log in the log directory")]
    BadName(String),
    #[error("log file '{0}' does not exist on this node")]
    NotFound(String),
    #[error("cannot read log file '{name}': {source}")]
    Read {
        name: String,
        source: std::io::Error,
    },
}

/// Whether `name` may be served from the log directory. Pure.
pub fn is_log_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.ends_with(".log")
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `name` is job `job_id`'s file. SeaTunnel keeps names containing the id; the exact
/// name avoids listing job 1234's file under job 12.
pub fn is_job_file(name: &str, job_id: &str) -> bool {
    name == job_log_file_name_text(job_id)
}

fn job_log_file_name_text(job_id: &str) -> String {
    match job_id.parse::<i64>() {
        Ok(id) => job_log_file_name(id),
        Err(_) => format!("job-{job_id}.log"),
    }
}

/// The log files in `dir`, sorted by name; no directory lists nothing.
pub fn list(dir: Option<&Path>) -> Result<Vec<String>, std::io::Error> {
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_log_name(&name) && entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The content of `dir/name` (its last [`MAX_LOG_RESPONSE_BYTES`] at most).
pub fn read(dir: Option<&Path>, name: &str) -> Result<Vec<u8>, LogFileError> {
    let dir = dir.ok_or(LogFileError::NoLogDir)?;
    if !is_log_name(name) {
        return Err(LogFileError::BadName(name.to_string()));
    }
    let path = dir.join(name);
    let read_err = |source| LogFileError::Read {
        name: name.to_string(),
        source,
    };
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => {}
        Ok(_) => return Err(LogFileError::BadName(name.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LogFileError::NotFound(name.to_string()))
        }
        Err(e) => return Err(read_err(e)),
    }
    let mut file = std::fs::File::open(&path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    if len > MAX_LOG_RESPONSE_BYTES {
        file.seek(SeekFrom::Start(len - MAX_LOG_RESPONSE_BYTES))
            .map_err(read_err)?;
    }
    let mut out = Vec::with_capacity(len.min(MAX_LOG_RESPONSE_BYTES) as usize);
    file.take(MAX_LOG_RESPONSE_BYTES)
        .read_to_end(&mut out)
        .map_err(read_err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_log_names_pass() {
        for ok in [
            "job-1.log",
            "job-733584788375666689.log",
            "seatunnel-engine-server.log",
            "a_b.c.log",
        ] {
            assert!(is_log_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".log",
            ".hidden.log",
            "../job-1.log",
            "..",
            "a/b.log",
            "a\\b.log",
            "job-1.log/",
            "job-1.txt",
            "job-1.log.1",
            "job 1.log",
            "a..b.log",
            "/etc/passwd",
            "%2e%2e.log",
            "jöb.log",
        ] {
            assert!(!is_log_name(bad), "{bad}");
        }
        assert!(!is_log_name(&format!("{}.log", "a".repeat(252))));
        assert!(is_job_file("job-12.log", "12"));
        assert!(!is_job_file("job-1234.log", "12"));
    }

    #[test]
    fn listing_and_reading_stay_inside_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("logs");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("job-2.log"), "two\n").unwrap();
        std::fs::write(dir.join("job-1.log"), "one\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        std::fs::create_dir(dir.join("old.log")).unwrap();
        std::fs::write(root.path().join("secret.log"), "secret").unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.log"), dir.join("link.log")).unwrap();
        assert_eq!(list(Some(&dir)).unwrap(), vec!["job-1.log", "job-2.log"]);
        assert_eq!(read(Some(&dir), "job-1.log").unwrap(), b"one\n");
        assert!(matches!(
            read(Some(&dir), "../secret.log"),
            Err(LogFileError::BadName(_))
        ));
        assert!(matches!(
            read(Some(&dir), "link.log"),
            Err(LogFileError::BadName(_))
        ));
        assert!(matches!(
            read(Some(&dir), "old.log"),
            Err(LogFileError::BadName(_))
        ));
        assert!(matches!(
            read(Some(&dir), "job-3.log"),
            Err(LogFileError::NotFound(_))
        ));
        assert!(matches!(
            read(None, "job-1.log"),
            Err(LogFileError::NoLogDir)
        ));
        assert!(list(None).unwrap().is_empty());
        assert!(list(Some(&root.path().join("missing"))).unwrap().is_empty());
        assert!(LogFileError::NoLogDir.to_string().contains("--log-dir"));
    }
}
