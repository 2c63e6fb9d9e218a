//! The `LocalFile` source and sink: text, csv and json files on the local file system.

mod archive;
mod compress;
mod csv;
mod json;
mod json_write;
mod listing;
mod lzo;
mod numfmt;
mod options;
mod reader;
mod source;
mod temporal;
mod text;
mod text_write;
