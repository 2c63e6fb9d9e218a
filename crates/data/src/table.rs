//! Table identity and schema: what SeaTunnel calls a `CatalogTable`, reduced to what the engine uses.

use std::fmt;
use std::sync::Arc;

use super::types::Field;

/// A table's path: `database[.schema].table`. SeaTunnel reports per-table metrics under the full
/// dotted name, so the path is kept in its parts and joined only for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TablePath {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub table: String,
}

impl TablePath {
    /// Parses `table`, `db.table` or `db.schema.table`, as FakeSource's `schema.table` accepts it.
    pub fn parse(text: &str) -> TablePath {
        let parts: Vec<&str> = text.split('.').collect();
        match parts.as_slice() {
            [t] => TablePath {
                database: None,
                schema: None,
                table: (*t).to_string(),
            },
            [d, t] => TablePath {
                database: Some((*d).into()),
                schema: None,
                table: (*t).into(),
            },
            [d, s, rest @ ..] => TablePath {
                database: Some((*d).into()),
                schema: Some((*s).into()),
                table: rest.join("."),
            },
            [] => TablePath {
                database: None,
                schema: None,
                table: String::new(),
            },
        }
    }

    /// The full dotted name, as used for `tablePaths` and `TableSourceReceivedCount` keys.
    pub fn full_name(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for TablePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.database {
            write!(f, "{d}.")?;
        }
        if let Some(s) = &self.schema {
            write!(f, "{s}.")?;
        }
        f.write_str(&self.table)
    }
}

/// The columns of one table. Shared behind an `Arc`: every batch of the table points at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub path: TablePath,
    pub fields: Vec<Field>,
    /// Catalog facts beyond names and types; empty unless the source declares them.
    pub meta: TableMeta,
}

impl TableSchema {
    pub fn new(path: TablePath, fields: Vec<Field>) -> Arc<TableSchema> {
        TableSchema::with_meta(path, fields, TableMeta::default())
    }

    pub fn with_meta(path: TablePath, fields: Vec<Field>, meta: TableMeta) -> Arc<TableSchema> {
        Arc::new(TableSchema { path, fields, meta })
    }

    pub fn width(&self) -> usize {
        self.fields.len()
    }

    /// Index of a column by exact name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }
}

/// What SeaTunnel's `CatalogTable` carries beyond column names and types: the catalog that made
/// the table, its keys and per-column attributes. Sources that know them fill it in (FakeSource's
/// `schema.columns`, `primaryKey`, `constraintKeys`); Assert's `catalog_table_rule` compares it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableMeta {
    /// The catalog name of the table identifier (`FakeSource` for FakeSource tables).
    pub catalog_name: Option<String>,
    pub primary_key: Option<PrimaryKey>,
    pub constraint_keys: Vec<ConstraintKey>,
    /// Columns whose attributes differ from [`ColumnMeta::default`]; others have the defaults.
    pub columns: Vec<ColumnMeta>,
    pub comment: Option<String>,
}

impl TableMeta {
    /// The attributes of column `name`, defaults when none were declared.
    pub fn column(&self, name: &str) -> ColumnMeta {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .unwrap_or_else(|| ColumnMeta::named(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintKey {
    pub name: String,
    pub kind: ConstraintKind,
    pub columns: Vec<ConstraintColumn>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintColumn {
    pub name: String,
    pub sort: SortOrder,
}

/// SeaTunnel's `ConstraintKey.ConstraintType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    PrimaryKey,
    UniqueKey,
    IndexKey,
    ForeignKey,
    VectorIndexKey,
}

impl ConstraintKind {
    pub const ALL: [ConstraintKind; 5] = [
        ConstraintKind::PrimaryKey,
        ConstraintKind::UniqueKey,
        ConstraintKind::IndexKey,
        ConstraintKind::ForeignKey,
        ConstraintKind::VectorIndexKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "PRIMARY_KEY",
            ConstraintKind::UniqueKey => "UNIQUE_KEY",
            ConstraintKind::IndexKey => "INDEX_KEY",
            ConstraintKind::ForeignKey => "FOREIGN_KEY",
            ConstraintKind::VectorIndexKey => "VECTOR_INDEX_KEY",
        }
    }

    pub fn parse(text: &str) -> Option<ConstraintKind> {
        ConstraintKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// SeaTunnel's `ConstraintKey.ColumnSortType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl SortOrder {
    pub fn name(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }

    pub fn parse(text: &str) -> Option<SortOrder> {
        match text.trim().to_ascii_uppercase().as_str() {
            "ASC" => Some(SortOrder::Asc),
            "DESC" => Some(SortOrder::Desc),
            _ => None,
        }
    }
}

/// Column attributes SeaTunnel's `PhysicalColumn` compares besides name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMeta {
    pub name: String,
    /// `columnLength`; 0 when not declared.
    pub length: u64,
    pub nullable: bool,
    /// `defaultValue` as text.
    pub default_value: Option<String>,
    pub comment: Option<String>,
}

impl ColumnMeta {
    /// The attributes a column has when none are declared: length 0, nullable, no default.
    pub fn named(name: &str) -> ColumnMeta {
        ColumnMeta {
            name: name.to_string(),
            length: 0,
            nullable: true,
            default_value: None,
            comment: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for text in ["fake", "fake.table1", "fake.public.table2"] {
            assert_eq!(TablePath::parse(text).full_name(), text);
        }
        assert_eq!(
            TablePath::parse("fake.public.table2").schema.as_deref(),
            Some("public")
        );
    }
}
