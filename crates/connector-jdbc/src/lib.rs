//! The `Jdbc` source and sink for PostgreSQL, MySQL/MariaDB and SQLite, with SeaTunnel's option
//! names (`JdbcSourceOptions`, `JdbcSinkOptions`) and type mappings.
//!
//! Job files name a JDBC URL and a Java driver class; there is no JVM here, so those only pick
//! the dialect, and a native client per dialect does the work (`db/`). Other dialects SeaTunnel
//! has (Oracle, SQL Server, DB2…) fail at plan time with "not supported".
//!
//! - Source ([`JdbcSourceFactory`]): checks every table's query against the database at plan
//!   time, cuts tables into key-range splits when the pipeline starts (`split.rs`), and reads
//!   whole splits with a streaming cursor bounded by `fetch_size` (`reader.rs`).
//! - Sink ([`JdbcSinkFactory`]): applies the save modes before any writer starts, then writes
//!   batches of `batch_size` rows (insert, upsert by primary key, deletes for retractions) in
//!   one transaction each (`sink.rs`, `writer.rs`).

mod catalog;
mod db;
mod options;
mod reader;
mod sink;
mod source;
mod split;
mod types;
mod url;
mod writer;
mod xa;

pub use sink::JdbcSinkFactory;
pub use source::JdbcSourceFactory;

#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;
