//! Is stderr connected to the journal? systemd sets `JOURNAL_STREAM=<dev>:<inode>` for a service
//! whose output goes to journald; the variable is inherited by children whose stderr may have been
//! redirected, so it only counts when it names the device and inode of our own fd 2.

use std::os::fd::AsFd;

/// Parses `JOURNAL_STREAM`'s `dev:inode`. Pure.
pub(crate) fn parse(value: &str) -> Option<(u64, u64)> {
    let (dev, ino) = value.trim().split_once(':')?;
    Some((dev.parse().ok()?, ino.parse().ok()?))
}

pub(crate) fn stderr_is_journal() -> bool {
    let Some((dev, ino)) = std::env::var("JOURNAL_STREAM")
        .ok()
        .as_deref()
        .and_then(parse)
    else {
        return false;
    };
    match nix::sys::stat::fstat(std::io::stderr().as_fd()) {
        Ok(st) => st.st_dev == dev && st.st_ino == ino,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dev_and_inode() {
        assert_eq!(parse("8:12345"), Some((8, 12345)));
        assert_eq!(parse("8-12345"), None);
        assert_eq!(parse(":1"), None);
    }
}
