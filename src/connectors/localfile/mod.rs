//! The `LocalFile` source and sink: text, csv and json files on the local file system.

mod compress;
mod lzo;
