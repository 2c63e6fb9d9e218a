//! Rows as the runtime carries them: typed columns, row kinds, and batches.
//!
//! A [`Batch`] holds many rows of one table in three flat vectors (row kinds, cells, a byte arena),
//! so producing a row never allocates per field. [`Value`] is the owned form used where rows are
//! few or shapes are free: config literals, SQL evaluation, nested types, Assert rules.

mod batch;
pub mod java;
pub mod literal;
mod table;
mod types;
mod value;

pub use batch::{temporal, Batch, Datum, Span};
pub use table::{
    ColumnMeta, ConstraintColumn, ConstraintKey, ConstraintKind, PrimaryKey, SortOrder, TableMeta,
    TablePath, TableSchema,
};
pub use types::{DataType, Field, RowType, TypeError};
pub use value::Value;

/// What a row means to a changelog consumer; SeaTunnel's `RowKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    Insert,
    UpdateBefore,
    UpdateAfter,
    Delete,
}

impl RowKind {
    pub const ALL: [RowKind; 4] = [
        RowKind::Insert,
        RowKind::UpdateBefore,
        RowKind::UpdateAfter,
        RowKind::Delete,
    ];

    /// The enum name used in job files (`kind = INSERT`) and console output.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Insert => "INSERT",
            RowKind::UpdateBefore => "UPDATE_BEFORE",
            RowKind::UpdateAfter => "UPDATE_AFTER",
            RowKind::Delete => "DELETE",
        }
    }

    /// The short changelog form (`+I`, `-U`, `+U`, `-D`).
    pub fn short(self) -> &'static str {
        match self {
            RowKind::Insert => "+I",
            RowKind::UpdateBefore => "-U",
            RowKind::UpdateAfter => "+U",
            RowKind::Delete => "-D",
        }
    }

    /// Parses either form, case-insensitively.
    pub fn parse(text: &str) -> Option<RowKind> {
        let t = text.trim();
        RowKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(t) || k.short() == t)
    }
}
