//! Every integration test in one binary: each test binary links the whole crate (RocksDB,
//! tonic, openraft), so one binary links once instead of once per file. A module per concern;
//! the `*_support` modules are the shared harness (real processes on loopback, REST helpers,
//! the compat corpus runner).

mod cluster_support;
#[allow(dead_code)]
mod corpus_support;
#[allow(dead_code)]
mod http_support;

mod api;
mod cli;
mod client;
mod cluster;
mod corpus;
mod jdbc_corpus;
mod job_corpus;
mod localfile_corpus;
mod logs;
mod node;
mod scripts;
mod separated;
