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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The packaged `$SEATUNNEL_HOME/connectors/plugin-mapping.properties` lists exactly the
    /// plugins of this registry, so the file cannot drift from the binary it ships with.
    #[test]
    fn packaged_plugin_mapping_lists_every_registered_plugin() {
        let text = include_str!("../../packaging/share/connectors/plugin-mapping.properties");
        let listed: BTreeSet<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (key, artifact) = l.split_once('=').expect("key = artifact");
                assert!(!artifact.trim().is_empty(), "{l}");
                key.trim().to_string()
            })
            .collect();
        let registered: BTreeSet<String> = super::registry()
            .names()
            .into_iter()
            .map(|(kind, name)| format!("seatunnel.{kind}.{name}"))
            .collect();
        assert_eq!(listed, registered);
    }
}
