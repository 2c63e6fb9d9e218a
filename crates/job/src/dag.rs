//! The logical DAG of a job: which plugin feeds which, and how the graph splits into pipelines.
//!
//! Pure: it reads only the wiring keys of the typed job config.
//!
//! Wiring rules (SeaTunnel's):
//! - A plugin's `plugin_input` names tables produced by `plugin_output` of sources or transforms;
//!   a name may be produced by several plugins (two sources writing table `fake`), and then the
//!   consumer reads all of them.
//! - A transform or sink with no input reads the plugin declared just before it among sources and
//!   transforms (the single-chain convention).
//! - Each connected component is a pipeline; pipelines run and fail independently. Pipelines are
//!   numbered from 1 in the order of their first source.

use std::collections::BTreeMap;

use seatunnel_connector::PluginKind;

use super::config::{JobConfig, PluginConfig};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DagError {
    #[error("{kind}[{index}] {plugin}: plugin_input '{input}' matches no plugin_output; known outputs: {known}")]
    UnknownInput {
        kind: PluginKind,
        index: usize,
        plugin: String,
        input: String,
        known: String,
    },
    #[error(
        "{kind}[{index}] {plugin}: it has no input, and no source or transform comes before it"
    )]
    NoInput {
        kind: PluginKind,
        index: usize,
        plugin: String,
    },
    #[error("{kind}[{index}] {plugin}: its output reaches no sink; add a sink with plugin_input = \"{output}\"")]
    Dangling {
        kind: PluginKind,
        index: usize,
        plugin: String,
        output: String,
    },
}

/// One plugin in the DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vertex {
    /// 1-based, in declaration order: sources, then transforms, then sinks (REST `vertexId`).
    pub id: usize,
    pub kind: PluginKind,
    /// Position within its section (`Source[0]`).
    pub index: usize,
    /// The plugin name as written.
    pub name: String,
    /// Ids of the vertices feeding this one.
    pub inputs: Vec<usize>,
    /// The pipeline (1-based) this vertex belongs to.
    pub pipeline: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dag {
    /// Indexed by `id - 1`.
    pub vertices: Vec<Vertex>,
    pub pipeline_count: usize,
}

impl Dag {
    pub fn build(job: &JobConfig) -> Result<Dag, DagError> {
        let sections: [(PluginKind, &[PluginConfig]); 3] = [
            (PluginKind::Source, &job.sources),
            (PluginKind::Transform, &job.transforms),
            (PluginKind::Sink, &job.sinks),
        ];
        let mut vertices = Vec::new();
        let mut producers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut last_producer: Option<usize> = None;
        for (kind, plugins) in sections {
            for (index, plugin) in plugins.iter().enumerate() {
                let id = vertices.len() + 1;
                let inputs = if kind == PluginKind::Source {
                    Vec::new()
                } else if plugin.inputs.is_empty() {
                    vec![last_producer.ok_or_else(|| DagError::NoInput {
                        kind,
                        index,
                        plugin: plugin.name.clone(),
                    })?]
                } else {
                    resolve_inputs(kind, index, plugin, &producers)?
                };
                if kind != PluginKind::Sink {
                    if let Some(out) = &plugin.output {
                        producers.entry(out.as_str()).or_default().push(id);
                    }
                    last_producer = Some(id);
                }
                vertices.push(Vertex {
                    id,
                    kind,
                    index,
                    name: plugin.name.clone(),
                    inputs,
                    pipeline: 0,
                });
            }
        }
        let pipeline_count = assign_pipelines(&mut vertices);
        let dag = Dag {
            vertices,
            pipeline_count,
        };
        dag.check_reaches_sink(job)?;
        Ok(dag)
    }

    pub fn vertex(&self, id: usize) -> &Vertex {
        &self.vertices[id - 1]
    }

    /// Vertices fed by `id`.
    pub fn consumers(&self, id: usize) -> impl Iterator<Item = &Vertex> {
        self.vertices.iter().filter(move |v| v.inputs.contains(&id))
    }

    pub fn pipeline_vertices(&self, pipeline: usize) -> impl Iterator<Item = &Vertex> {
        self.vertices.iter().filter(move |v| v.pipeline == pipeline)
    }

    /// SeaTunnel's vertex display name: `pipeline-1 [Source[0]-FakeSource]`; sinks are wrapped in
    /// a multi-table sink since 2.3.8, which shows as a `-MultiTableSink` suffix.
    pub fn vertex_name(&self, v: &Vertex) -> String {
        let (label, suffix) = match v.kind {
            PluginKind::Source => ("Source", ""),
            PluginKind::Transform => ("Transform", ""),
            PluginKind::Sink => ("Sink", "-MultiTableSink"),
        };
        format!(
            "pipeline-{} [{}[{}]-{}{}]",
            v.pipeline, label, v.index, v.name, suffix
        )
    }

    /// A source or transform whose output nobody reads is a mistake SeaTunnel reports at parse time.
    fn check_reaches_sink(&self, job: &JobConfig) -> Result<(), DagError> {
        for v in &self.vertices {
            if v.kind != PluginKind::Sink && self.consumers(v.id).next().is_none() {
                let plugin = match v.kind {
                    PluginKind::Source => &job.sources[v.index],
                    _ => &job.transforms[v.index],
                };
                return Err(DagError::Dangling {
                    kind: v.kind,
                    index: v.index,
                    plugin: v.name.clone(),
                    output: plugin.output.clone().unwrap_or_else(|| v.name.clone()),
                });
            }
        }
        Ok(())
    }
}

fn resolve_inputs(
    kind: PluginKind,
    index: usize,
    plugin: &PluginConfig,
    producers: &BTreeMap<&str, Vec<usize>>,
) -> Result<Vec<usize>, DagError> {
    let mut ids = Vec::new();
    for input in &plugin.inputs {
        let found = producers
            .get(input.as_str())
            .ok_or_else(|| DagError::UnknownInput {
                kind,
                index,
                plugin: plugin.name.clone(),
                input: input.clone(),
                known: if producers.is_empty() {
                    "none".to_string()
                } else {
                    producers.keys().copied().collect::<Vec<_>>().join(", ")
                },
            })?;
        for id in found {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    Ok(ids)
}

/// Labels connected components, numbered by their lowest vertex id (sources come first, so a
/// pipeline's number follows its first source). Returns the number of pipelines.
fn assign_pipelines(vertices: &mut [Vertex]) -> usize {
    let n = vertices.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (i, v) in vertices.iter().enumerate() {
        for &input in &v.inputs {
            let (a, b) = (root(&mut parent, i), root(&mut parent, input - 1));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut numbers: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, v) in vertices.iter_mut().enumerate() {
        let r = root(&mut parent, i);
        let next = numbers.len() + 1;
        v.pipeline = *numbers.entry(r).or_insert(next);
    }
    numbers.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dag(tree: serde_json::Value) -> Result<Dag, DagError> {
        Dag::build(&JobConfig::from_tree(&tree).unwrap())
    }

    #[test]
    fn single_chain_is_implicit() {
        let d = dag(json!({
            "source": [{"plugin_name": "FakeSource"}],
            "transform": [{"plugin_name": "Sql"}],
            "sink": [{"plugin_name": "console"}]
        }))
        .unwrap();
        assert_eq!(d.vertices[1].inputs, vec![1]);
        assert_eq!(d.vertices[2].inputs, vec![2]);
        assert_eq!(d.pipeline_count, 1);
        assert_eq!(
            d.vertex_name(&d.vertices[2]),
            "pipeline-1 [Sink[0]-console-MultiTableSink]"
        );
        assert_eq!(
            d.vertex_name(&d.vertices[0]),
            "pipeline-1 [Source[0]-FakeSource]"
        );
    }

    #[test]
    fn named_tables_make_independent_pipelines() {
        let d = dag(json!({
            "source": [
                {"plugin_name": "FakeSource", "result_table_name": "table1"},
                {"plugin_name": "FakeSource", "result_table_name": "table2"}
            ],
            "sink": [
                {"plugin_name": "LocalFile", "source_table_name": "table1"},
                {"plugin_name": "LocalFile", "source_table_name": "table2"}
            ]
        }))
        .unwrap();
        assert_eq!(d.pipeline_count, 2);
        assert_eq!(d.vertices[3].pipeline, 2);
        assert_eq!(
            d.vertex_name(&d.vertices[3]),
            "pipeline-2 [Sink[1]-LocalFile-MultiTableSink]"
        );
    }

    #[test]
    fn one_sink_reading_two_sources_is_one_pipeline() {
        let d = dag(json!({
            "source": [
                {"plugin_name": "FakeSource", "result_table_name": "fake"},
                {"plugin_name": "FakeSource", "result_table_name": "fake"}
            ],
            "sink": [{"plugin_name": "LocalFile", "source_table_name": ["fake"]}]
        }))
        .unwrap();
        assert_eq!(d.vertices[2].inputs, vec![1, 2]);
        assert_eq!(d.pipeline_count, 1);
    }

    #[test]
    fn unknown_input_lists_known_outputs() {
        let e = dag(json!({
            "source": [{"plugin_name": "FakeSource", "plugin_output": "fake"}],
            "sink": [{"plugin_name": "Console", "plugin_input": "fak"}]
        }))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "sink[0] Console: plugin_input 'fak' matches no plugin_output; known outputs: fake"
        );
    }

    #[test]
    fn unread_source_is_an_error() {
        let e = dag(json!({
            "source": [
                {"plugin_name": "FakeSource", "plugin_output": "a"},
                {"plugin_name": "FakeSource", "plugin_output": "b"}
            ],
            "sink": [{"plugin_name": "Console", "plugin_input": "a"}]
        }))
        .unwrap_err();
        assert!(matches!(e, DagError::Dangling { index: 1, .. }));
    }
}
