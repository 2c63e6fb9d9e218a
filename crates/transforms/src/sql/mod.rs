//! SeaTunnel's `Sql` transform: `SELECT … FROM <input> [WHERE …]` over each row, with
//! SeaTunnel's SQL function library. The query is parsed and compiled once per bound table;
//! rows are evaluated against the compiled tree.

mod cast;
mod compile;
mod error;
mod expr;
mod functions;
mod like;
mod plan;
mod random;
mod scalar;
mod transform;
mod types;

#[cfg(test)]
mod corpus_tests;

pub use error::{EvalError, SqlError};
pub use transform::SqlFactory;
