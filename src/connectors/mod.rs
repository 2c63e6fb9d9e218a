//! The built-in source and sink plugins; one folder or file per plugin.

pub mod assert;
pub mod console;
pub mod fake;
pub mod localfile;

use crate::connector::Registry;
use crate::transforms;

/// Every built-in plugin. This list is the registry: a plugin not named here does not exist.
pub fn registry() -> Registry {
    Registry::empty()
        .with_source(fake::FakeSourceFactory)
        .with_source(localfile::LocalFileSourceFactory)
        .with_sink(assert::AssertSinkFactory)
        .with_sink(console::ConsoleSinkFactory::new())
        .with_sink(localfile::LocalFileSinkFactory)
        .with_transform(transforms::copy::CopyFactory)
        .with_transform(transforms::field_mapper::FieldMapperFactory)
        .with_transform(transforms::filter::FilterFactory)
        .with_transform(transforms::filter_row_kind::FilterRowKindFactory)
        .with_transform(transforms::replace::ReplaceFactory)
        .with_transform(transforms::sql::SqlFactory)
}
