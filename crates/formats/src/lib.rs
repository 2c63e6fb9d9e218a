//! The file formats SeaTunnel's file connectors share: reading lines of text, csv and json into
//! row batches and writing batches back as those lines, the stream codec around a file (lzop)
//! and the archives a source file may be (zip, tar, tar.gz), with the format options they are
//! configured by, as SeaTunnel's `connector-file-base` reads and writes them.
//!
//! Used by `seatunnel-connector-file-local` (LocalFile) today and meant for every file connector
//! after it (S3File, HdfsFile, Hive): a connector owns where files are (listing, paths, splits,
//! transactions, save modes) and hands their bytes to this crate, which knows only what is inside
//! them. It depends on `seatunnel-data` and `seatunnel-connector` (for [`Options`] and
//! `ConnectorError`, which format options are parsed from and fail with) and never on a
//! connector, so any file connector can take it without taking another.
//!
//! Layout:
//! - [`options`]: `file_format_type`, codecs, charset, temporal patterns, field splitting, `schema`;
//! - [`text`] and [`text_write`]: text and csv lines (csv records themselves in `csv`);
//! - [`json`] and [`json_write`]: json lines;
//! - [`compress`]: the lzop container (LZO1X blocks in `lzo`);
//! - [`archive`]: a source file opened as the data streams it holds.
//!
//! [`Options`]: seatunnel_connector::Options

pub mod archive;
pub mod compress;
mod csv;
pub mod json;
pub mod json_write;
mod lzo;
pub mod options;
mod temporal;
pub mod text;
pub mod text_write;
