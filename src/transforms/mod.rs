//! The built-in field and row transforms; each file holds one plugin.

pub mod copy;
pub mod field_mapper;
pub mod filter;
pub mod filter_row_kind;
pub mod replace;
