//! The built-in plugins: one crate per connector family (`crates/connector-*`), each behind a
//! Cargo feature of the same name (all on by default), and the transforms.

use crate::connector::Registry;
use crate::transforms;

/// Every built-in plugin this build has. This list is the registry: a plugin not named here
/// does not exist, and a job naming one of a family left out of the build fails at plan time
/// as an unknown plugin.
pub fn registry() -> Registry {
    let registry = Registry::empty();
    #[cfg(feature = "connector-fake")]
    let registry = registry.with_source(seatunnel_connector_fake::FakeSourceFactory);
    #[cfg(feature = "connector-file-local")]
    let registry = registry.with_source(seatunnel_connector_file_local::LocalFileSourceFactory);
    #[cfg(feature = "connector-jdbc")]
    let registry = registry.with_source(seatunnel_connector_jdbc::JdbcSourceFactory);
    #[cfg(feature = "connector-assert")]
    let registry = registry.with_sink(seatunnel_connector_assert::AssertSinkFactory);
    #[cfg(feature = "connector-console")]
    let registry = registry.with_sink(seatunnel_connector_console::ConsoleSinkFactory::new());
    #[cfg(feature = "connector-file-local")]
    let registry = registry.with_sink(seatunnel_connector_file_local::LocalFileSinkFactory);
    #[cfg(feature = "connector-jdbc")]
    let registry = registry.with_sink(seatunnel_connector_jdbc::JdbcSinkFactory);
    registry
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
    /// plugins of this registry, so the file cannot drift from the binary it ships with (the
    /// package is built with every family).
    #[test]
    #[cfg(all(
        feature = "connector-fake",
        feature = "connector-assert",
        feature = "connector-console",
        feature = "connector-file-local",
        feature = "connector-jdbc"
    ))]
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
