//! The job's DAG as SeaTunnel reports it (`JobDAGInfo`): vertices with their display names and
//! table paths, and edges grouped by pipeline. Taken from the plan once at submit time and kept
//! with the job record, so history can show it after the plan is gone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::connector::PluginKind;
use crate::engine::JobPlan;

/// One vertex (`vertexInfoMap` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VertexInfo {
    /// 1-based, as in the plan.
    pub id: usize,
    pub kind: PluginKind,
    /// `pipeline-1 [Source[0]-FakeSource]`.
    pub name: String,
    /// Full table names the vertex emits (sources, transforms) or receives (sinks).
    pub table_paths: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DagInfo {
    pub job_id: i64,
    /// The `env` block as written.
    pub env: Map<String, Json>,
    /// Pipeline number → `(input vertex id, target vertex id)` edges.
    pub pipeline_edges: BTreeMap<usize, Vec<(usize, usize)>>,
    /// In vertex id order.
    pub vertices: Vec<VertexInfo>,
}

impl DagInfo {
    pub fn from_plan(plan: &JobPlan) -> DagInfo {
        DagInfo {
            job_id: plan.job_id,
            env: plan.config.env.raw.clone(),
            pipeline_edges: plan.pipeline_edges(),
            vertices: plan
                .dag
                .vertices
                .iter()
                .map(|v| VertexInfo {
                    id: v.id,
                    kind: v.kind,
                    name: plan.dag.vertex_name(v),
                    table_paths: plan.table_paths(v.id),
                })
                .collect(),
        }
    }
}
