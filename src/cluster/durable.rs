//! Small files a master must not lose or half-write: its node id and its formation promises.
//! Written to a temporary name, synced, renamed over the old one and the directory synced, so
//! after a crash the file holds either the old or the new content, never a torn mix.

use std::io::Write;
use std::path::Path;

/// Replaces `dir/name` with `contents` durably. Blocking: call it off the async runtime.
pub fn replace_file(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    std::fs::File::open(dir).and_then(|d| d.sync_all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_holds_the_new_contents_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().unwrap();
        replace_file(dir.path(), "f", b"one").unwrap();
        replace_file(dir.path(), "f", b"two").unwrap();
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"two");
        assert!(!dir.path().join("f.tmp").exists());
    }
}
