//! The `LocalFile` source and sink: text, csv and json files on the local file system, as
//! SeaTunnel's `connector-file-local` reads and writes them.
//!
//! - Source ([`LocalFileSourceFactory`]): lists `path` at plan time, splits the files across
//!   readers, and reads text/csv/json lines (optionally inside zip/tar/tar.gz archives, lzop
//!   compressed, in any ASCII-compatible charset) into rows; `k=v` directories become columns.
//! - Sink ([`LocalFileSinkFactory`]): writes text/csv/json files, optionally partitioned and lzop
//!   compressed, two-phase through `tmp_path` so a file appears only complete; a writer restored
//!   from a checkpoint first removes what the aborted attempt left there (`restore.rs`).
//!
//! What is inside a file (the formats, lzop, archives and their options) is `seatunnel-formats`,
//! shared with the other file connectors; this crate owns where files are and how they appear:
//! listing, splits and progress, paths and partitions, save modes, the two-phase commit.
//!
//! Other SeaTunnel formats (parquet, orc, excel, xml, binary) fail at plan time with
//! `not supported: file_format_type '…'`.

mod commit;
mod listing;
mod options;
mod reader;
mod restore;
mod sink;
mod source;
mod writer;

pub use reader::BATCH_ROWS;
pub use sink::LocalFileSinkFactory;
pub use source::LocalFileSourceFactory;

#[cfg(test)]
mod sink_tests;
