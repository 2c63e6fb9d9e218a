//! The `LocalFile` source and sink: text, csv and json files on the local file system.

mod compress;
mod csv;
mod json;
mod lzo;
mod numfmt;
mod options;
mod temporal;
mod text;
