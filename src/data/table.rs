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
}

impl TableSchema {
    pub fn new(path: TablePath, fields: Vec<Field>) -> Arc<TableSchema> {
        Arc::new(TableSchema { path, fields })
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
