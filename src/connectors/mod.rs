//! The built-in source and sink plugins; each file holds one plugin.

pub mod console;

use crate::connector::Registry;
use crate::transforms;

/// Every built-in plugin. This list is the registry: a plugin not named here does not exist.
pub fn registry() -> Registry {
    Registry::empty()
        .with_sink(console::ConsoleSinkFactory::new())
        .with_transform(transforms::copy::CopyFactory)
        .with_transform(transforms::field_mapper::FieldMapperFactory)
        .with_transform(transforms::filter::FilterFactory)
        .with_transform(transforms::filter_row_kind::FilterRowKindFactory)
        .with_transform(transforms::replace::ReplaceFactory)
}
