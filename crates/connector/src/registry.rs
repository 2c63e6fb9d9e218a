//! The explicit plugin registry: job-file names to factories.
//!
//! Lookup is case-insensitive, as SeaTunnel's plugin discovery compares names with
//! `equalsIgnoreCase` (job files say `console`, `Console`, `sql`, `Sql`). An unknown name lists
//! the known ones of that kind.

use std::fmt;
use std::sync::Arc;

use super::{SinkFactory, SourceFactory, TransformFactory};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PluginKind {
    Source,
    Transform,
    Sink,
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PluginKind::Source => "source",
            PluginKind::Transform => "transform",
            PluginKind::Sink => "sink",
        })
    }
}

/// An unknown plugin name, with the names that would have worked.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} plugin '{name}'; known {kind} plugins: {known}")]
pub struct UnknownPlugin {
    pub kind: PluginKind,
    pub name: String,
    pub known: String,
}

#[derive(Default, Clone)]
pub struct Registry {
    sources: Vec<Arc<dyn SourceFactory>>,
    transforms: Vec<Arc<dyn TransformFactory>>,
    sinks: Vec<Arc<dyn SinkFactory>>,
}

fn find<'a, T: ?Sized>(
    items: &'a [Arc<T>],
    name: &str,
    kind: PluginKind,
    name_of: impl Fn(&T) -> &'static str,
) -> Result<&'a Arc<T>, UnknownPlugin> {
    items
        .iter()
        .find(|f| name_of(f).eq_ignore_ascii_case(name))
        .ok_or_else(|| UnknownPlugin {
            kind,
            name: name.to_string(),
            known: items
                .iter()
                .map(|f| name_of(f))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl Registry {
    pub fn empty() -> Registry {
        Registry::default()
    }

    pub fn with_source(mut self, f: impl SourceFactory + 'static) -> Self {
        self.sources.push(Arc::new(f));
        self
    }

    pub fn with_transform(mut self, f: impl TransformFactory + 'static) -> Self {
        self.transforms.push(Arc::new(f));
        self
    }

    pub fn with_sink(mut self, f: impl SinkFactory + 'static) -> Self {
        self.sinks.push(Arc::new(f));
        self
    }

    pub fn source(&self, name: &str) -> Result<&Arc<dyn SourceFactory>, UnknownPlugin> {
        find(&self.sources, name, PluginKind::Source, |f| f.name())
    }

    pub fn transform(&self, name: &str) -> Result<&Arc<dyn TransformFactory>, UnknownPlugin> {
        find(&self.transforms, name, PluginKind::Transform, |f| f.name())
    }

    pub fn sink(&self, name: &str) -> Result<&Arc<dyn SinkFactory>, UnknownPlugin> {
        find(&self.sinks, name, PluginKind::Sink, |f| f.name())
    }

    /// Every registered name, by kind, for `seatunnel connectors` style listings.
    pub fn names(&self) -> Vec<(PluginKind, &'static str)> {
        let mut out: Vec<(PluginKind, &'static str)> = Vec::new();
        out.extend(self.sources.iter().map(|f| (PluginKind::Source, f.name())));
        out.extend(
            self.transforms
                .iter()
                .map(|f| (PluginKind::Transform, f.name())),
        );
        out.extend(self.sinks.iter().map(|f| (PluginKind::Sink, f.name())));
        out
    }
}
