//! Finding the files a source reads and the partition values their paths carry.
//!
//! Like SeaTunnel's `getFileNamesByPath`, a directory is walked recursively; `_SUCCESS` markers
//! and hidden entries (`.name`) are skipped; `file_filter_pattern` must match a file's whole
//! name, or its whole path when the pattern starts with the source `path` (SeaTunnel matches
//! directories too in that case). Files are sorted by path so every run splits them across
//! readers the same way.

use std::fs;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use regex::Regex;

/// Hadoop-style job marker files hold no data.
const SUCCESS_MARKER: &str = "_SUCCESS";

fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == SUCCESS_MARKER
}

/// A compiled `file_filter_pattern`.
#[derive(Debug, Clone)]
pub struct FileFilter {
    regex: Regex,
    /// The pattern starts with the source path: match whole paths, not names.
    whole_path: bool,
}

impl FileFilter {
    fn matches(&self, path: &Path) -> bool {
        if self.whole_path {
            self.regex.is_match(&path.to_string_lossy())
        } else {
            path.file_name()
                .is_some_and(|n| self.regex.is_match(&n.to_string_lossy()))
        }
    }
}

/// Compiles `file_filter_pattern` for files under `root`; it must match a whole name or path
/// (Java `matches()`).
pub fn compile_filter(pattern: &str, root: &Path) -> Result<FileFilter, regex::Error> {
    Ok(FileFilter {
        regex: Regex::new(&format!("^(?:{pattern})$"))?,
        whole_path: pattern.starts_with(&*root.to_string_lossy()),
    })
}

/// The data files under `root` (or `root` itself when it is a file or a named pipe).
pub fn list_files(root: &Path, filter: Option<&FileFilter>) -> io::Result<Vec<PathBuf>> {
    let meta = fs::metadata(root).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("path '{}' cannot be read: {e}", root.display()),
        )
    })?;
    let mut out = Vec::new();
    // A named pipe given as the path is read as one file: a stream that ends when its writer
    // closes it (`mkfifo` fed by another program). Inside a directory only regular files count.
    if meta.is_file() || meta.file_type().is_fifo() {
        out.push(root.to_path_buf());
    } else {
        walk(root, filter, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, filter: Option<&FileFilter>, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if skipped(&name) {
            continue;
        }
        let path = entry.path();
        // Follow symlinks, as a file system listing through Hadoop does.
        let meta = fs::metadata(&path)?;
        if meta.is_dir() {
            walk(&path, filter, out)?;
        } else if meta.is_file() && filter.is_none_or(|f| f.matches(&path)) {
            out.push(path);
        }
    }
    Ok(())
}

/// `k=v` directories in a file's path, outermost first.
pub fn partitions_of(path: &Path) -> Vec<(String, String)> {
    let Some(parent) = path.parent() else {
        return Vec::new();
    };
    parent
        .components()
        .filter_map(|c| {
            let seg = c.as_os_str().to_string_lossy();
            let (k, v) = seg.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_skipping_markers_and_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let deep = root.join("name=tyrantlucifer/hobby=coding");
        fs::create_dir_all(&deep).unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        for p in ["b.txt", "a.txt", "_SUCCESS", ".crc", ".hidden/x.txt"] {
            fs::write(root.join(p), "x").unwrap();
        }
        fs::write(deep.join("e2e.txt"), "x").unwrap();
        let files = list_files(root, None).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            ["a.txt", "b.txt", "name=tyrantlucifer/hobby=coding/e2e.txt"]
        );
        let filter = compile_filter("e2e.*", root).unwrap();
        assert_eq!(list_files(root, Some(&filter)).unwrap().len(), 1);
        let filter = compile_filter("txt", root).unwrap();
        assert!(list_files(root, Some(&filter)).unwrap().is_empty());
        let by_path = format!("{}/name=.*/hobby=coding/.*", root.display());
        let filter = compile_filter(&by_path, root).unwrap();
        assert_eq!(list_files(root, Some(&filter)).unwrap().len(), 1);
        assert_eq!(list_files(&root.join("a.txt"), None).unwrap().len(), 1);
        let e = list_files(&root.join("missing"), None).unwrap_err();
        assert!(e.to_string().contains("missing' cannot be read"), "{e}");
    }

    #[test]
    fn partition_values_come_from_directories() {
        let p = Path::new("/seatunnel/read/text/name=tyrantlucifer/hobby=coding/e2e.txt");
        assert_eq!(
            partitions_of(p),
            [
                ("name".to_string(), "tyrantlucifer".to_string()),
                ("hobby".to_string(), "coding".to_string())
            ]
        );
        assert!(partitions_of(Path::new("/data/a=b.txt")).is_empty());
    }
}
