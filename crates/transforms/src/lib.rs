//! The built-in field and row transforms; each file (or folder, for Sql) holds one plugin.

mod columns;
pub mod copy;
pub mod field_mapper;
pub mod filter;
pub mod filter_row_kind;
pub mod replace;
pub mod sql;
