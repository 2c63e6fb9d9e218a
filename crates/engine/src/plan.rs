//! From a typed job to an executable plan: every plugin instantiated through the registry, every
//! transform bound to the tables that reach it, every sink checked against its input tables.
//! All config mistakes surface here, before a task starts.

use std::collections::BTreeMap;
use std::sync::Arc;

use seatunnel_connector::{
    ConnectorError, PluginContext, PluginKind, Registry, Sink, Source, Transform, UnknownPlugin,
};
use seatunnel_data::TableSchema;
use seatunnel_job::{Dag, DagError, JobConfig, Vertex};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Dag(#[from] DagError),
    #[error(transparent)]
    UnknownPlugin(#[from] UnknownPlugin),
    #[error("{kind}[{index}] {plugin}: {source}")]
    Plugin {
        kind: PluginKind,
        index: usize,
        plugin: String,
        #[source]
        source: ConnectorError,
    },
    /// Planning stopped without an answer: a plugin panicked, or the node is shutting down.
    #[error("planning the job stopped: {0}; if the node is not shutting down, this is a bug")]
    Interrupted(String),
}

impl PlanError {
    /// Whether a plugin option is over one of our documented limits (a client error).
    pub fn is_limit(&self) -> bool {
        matches!(self, PlanError::Plugin { source, .. } if source.is_limit())
    }
}

/// [`JobPlan::build`] on tokio's blocking pool. Creating plugins may block on the network (the
/// Jdbc connector prepares its queries against the database at plan time), and the runtime that
/// serves Raft, heartbeats and REST must never wait for that.
pub async fn build_blocking(
    job_id: i64,
    job_name: String,
    config: JobConfig,
    registry: Arc<Registry>,
) -> Result<JobPlan, PlanError> {
    tokio::task::spawn_blocking(move || JobPlan::build(job_id, job_name, config, &registry))
        .await
        .unwrap_or_else(|e| Err(PlanError::Interrupted(e.to_string())))
}

/// What one vertex is, once instantiated.
pub enum Operator {
    Source {
        source: Arc<dyn Source>,
        parallelism: usize,
    },
    Transform(Arc<dyn Transform>),
    Sink(Arc<dyn Sink>),
}

pub struct PlannedVertex {
    pub vertex: Vertex,
    pub operator: Operator,
    /// Tables this vertex emits (sources, transforms) or receives (sinks).
    pub tables: Vec<Arc<TableSchema>>,
}

pub struct JobPlan {
    pub job_id: i64,
    pub job_name: String,
    pub config: JobConfig,
    pub dag: Dag,
    /// Indexed like `dag.vertices`.
    pub vertices: Vec<PlannedVertex>,
}

impl JobPlan {
    pub fn build(
        job_id: i64,
        job_name: String,
        config: JobConfig,
        registry: &Registry,
    ) -> Result<JobPlan, PlanError> {
        let dag = Dag::build(&config)?;
        let mut vertices: Vec<PlannedVertex> = Vec::with_capacity(dag.vertices.len());
        for v in &dag.vertices {
            let plugin = match v.kind {
                PluginKind::Source => &config.sources[v.index],
                PluginKind::Transform => &config.transforms[v.index],
                PluginKind::Sink => &config.sinks[v.index],
            };
            let ctx = PluginContext {
                job_id,
                job_mode: config.env.job_mode,
                plugin_name: plugin.name.clone(),
                default_parallelism: config.env.parallelism,
            };
            let wrap = |source: ConnectorError| PlanError::Plugin {
                kind: v.kind,
                index: v.index,
                plugin: plugin.name.clone(),
                source,
            };
            // Tables arriving from upstream vertices, in input order, without duplicates.
            let mut incoming: Vec<Arc<TableSchema>> = Vec::new();
            for input in &v.inputs {
                for t in &vertices[input - 1].tables {
                    if !incoming.iter().any(|x| Arc::ptr_eq(x, t)) {
                        incoming.push(t.clone());
                    }
                }
            }
            let planned = match v.kind {
                PluginKind::Source => {
                    let source = registry
                        .source(&plugin.name)?
                        .create(&ctx, &plugin.options)
                        .map_err(wrap)?;
                    let tables = source.tables();
                    let parallelism = plugin.parallelism.unwrap_or(config.env.parallelism);
                    PlannedVertex {
                        vertex: v.clone(),
                        operator: Operator::Source {
                            source,
                            parallelism,
                        },
                        tables,
                    }
                }
                PluginKind::Transform => {
                    let transform = registry
                        .transform(&plugin.name)?
                        .create(&ctx, &plugin.options)
                        .map_err(wrap)?;
                    let tables = incoming
                        .iter()
                        .map(|t| transform.bind(t).map(|b| b.output_schema().clone()))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(wrap)?;
                    PlannedVertex {
                        vertex: v.clone(),
                        operator: Operator::Transform(transform),
                        tables,
                    }
                }
                PluginKind::Sink => {
                    let sink = registry
                        .sink(&plugin.name)?
                        .create(&ctx, &plugin.options)
                        .map_err(wrap)?;
                    sink.check_input(&incoming).map_err(wrap)?;
                    PlannedVertex {
                        vertex: v.clone(),
                        operator: Operator::Sink(sink),
                        tables: incoming,
                    }
                }
            };
            vertices.push(planned);
        }
        Ok(JobPlan {
            job_id,
            job_name,
            config,
            dag,
            vertices,
        })
    }

    pub fn vertex(&self, id: usize) -> &PlannedVertex {
        &self.vertices[id - 1]
    }

    /// Ids of the vertices in one pipeline, in id order.
    pub fn pipeline_vertex_ids(&self, pipeline: usize) -> Vec<usize> {
        self.dag.pipeline_vertices(pipeline).map(|v| v.id).collect()
    }

    /// Table paths per vertex, for the REST `tablePaths` field.
    pub fn table_paths(&self, id: usize) -> Vec<String> {
        self.vertex(id)
            .tables
            .iter()
            .map(|t| t.path.full_name())
            .collect()
    }

    /// Edges per pipeline (`pipelineEdges`): `(input vertex id, target vertex id)`.
    pub fn pipeline_edges(&self) -> BTreeMap<usize, Vec<(usize, usize)>> {
        let mut edges: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
        for v in &self.dag.vertices {
            for &input in &v.inputs {
                edges.entry(v.pipeline).or_default().push((input, v.id));
            }
        }
        edges
    }
}
