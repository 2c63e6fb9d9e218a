//! The operator chain of one task group: everything downstream of one source instance, built
//! back to front so each stage owns its downstream handles.
//!
//! A stage processes a batch synchronously and hands the result to its children; fan-out (one
//! table read by two sinks) gives each child the same batch by reference, so nothing is copied.

use std::sync::Arc;

use seatunnel_connector::{
    BoundTransform, CommitInfo, ConnectorError, SinkWriter, Transform, WriterContext,
};
use seatunnel_data::{Batch, TableSchema};

use super::metrics::{Counter, TableCounters};
use super::plan::{JobPlan, Operator};
use super::task::WriterState;

pub enum Stage {
    Transform {
        transform: Arc<dyn Transform>,
        /// One binding per input table seen, with its reusable output batch.
        bound: Vec<(Arc<TableSchema>, Box<dyn BoundTransform>, Batch)>,
        children: Vec<Stage>,
    },
    Sink {
        vertex: usize,
        /// The writer's index among the sink's writers (names its files, keys its state).
        subtask_index: usize,
        writer: Box<dyn SinkWriter>,
        counters: CounterCache,
    },
}

/// Per-table counters cached by schema identity so the hot path takes no lock.
#[derive(Default)]
pub struct CounterCache {
    entries: Vec<(Arc<TableSchema>, Arc<Counter>)>,
}

impl CounterCache {
    pub fn count(&mut self, all: &TableCounters, batch: &Batch) {
        if batch.is_empty() {
            return;
        }
        let schema = batch.schema();
        let counter = match self.entries.iter().find(|(s, _)| Arc::ptr_eq(s, schema)) {
            Some((_, c)) => c,
            None => {
                let c = all.counter(&schema.path.full_name());
                self.entries.push((schema.clone(), c));
                &self.entries.last().expect("just pushed").1
            }
        };
        counter.add(batch.len() as u64, batch.bytes_size() as u64);
    }
}

/// Hands out writer indexes: SeaTunnel gives every writer of a sink vertex its own subtask index,
/// and file sinks name files by it, so two chains must never share one.
pub struct WriterSlots {
    /// (sink vertex id, next index, total writers)
    slots: Vec<(usize, usize, usize)>,
}

impl WriterSlots {
    /// Counts how many chains of `pipeline` reach each sink: one per source instance per path.
    pub fn for_pipeline(plan: &JobPlan, pipeline: usize) -> WriterSlots {
        let mut slots: Vec<(usize, usize, usize)> = Vec::new();
        for v in plan.dag.pipeline_vertices(pipeline) {
            if let Operator::Source { parallelism, .. } = plan.vertex(v.id).operator {
                let mut reached = Vec::new();
                sinks_reached(plan, v.id, &mut reached);
                for sink in reached {
                    match slots.iter_mut().find(|s| s.0 == sink) {
                        Some(s) => s.2 += parallelism,
                        None => slots.push((sink, 0, parallelism)),
                    }
                }
            }
        }
        WriterSlots { slots }
    }

    fn next(&mut self, sink: usize) -> (usize, usize) {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.0 == sink)
            .expect("sink counted for this pipeline");
        let index = slot.1;
        slot.1 += 1;
        (index, slot.2)
    }
}

fn sinks_reached(plan: &JobPlan, from: usize, out: &mut Vec<usize>) {
    for c in plan.dag.consumers(from) {
        match plan.vertex(c.id).operator {
            Operator::Sink(_) => out.push(c.id),
            _ => sinks_reached(plan, c.id, out),
        }
    }
}

/// Builds the stages fed by vertex `from`. A writer finds its state in `restored` by its sink
/// vertex and subtask index.
pub fn build(
    plan: &JobPlan,
    from: usize,
    slots: &mut WriterSlots,
    restored: &[WriterState],
) -> Result<Vec<Stage>, ConnectorError> {
    let mut stages = Vec::new();
    for consumer in plan.dag.consumers(from) {
        let stage = match &plan.vertex(consumer.id).operator {
            Operator::Transform(t) => Stage::Transform {
                transform: t.clone(),
                bound: Vec::new(),
                children: build(plan, consumer.id, slots, restored)?,
            },
            Operator::Sink(sink) => {
                let (subtask_index, parallelism) = slots.next(consumer.id);
                let ctx = WriterContext {
                    job_id: plan.job_id,
                    job_mode: plan.config.env.job_mode,
                    pipeline_id: consumer.pipeline,
                    vertex_id: consumer.id,
                    subtask_index,
                    parallelism,
                    restored: restored
                        .iter()
                        .find(|(v, i, _)| *v == consumer.id && *i == subtask_index)
                        .map(|(_, _, state)| state.clone()),
                };
                Stage::Sink {
                    vertex: consumer.id,
                    subtask_index,
                    writer: sink.create_writer(&ctx)?,
                    counters: CounterCache::default(),
                }
            }
            Operator::Source { .. } => unreachable!("a source never consumes"),
        };
        stages.push(stage);
    }
    Ok(stages)
}

/// Takes the writer indexes [`build`] would take for the chain fed by `from`, without creating
/// writers: a worker running one task group alone numbers its writers as if every group before
/// it in the pipeline had been built here.
pub fn skip(plan: &JobPlan, from: usize, slots: &mut WriterSlots) {
    for consumer in plan.dag.consumers(from) {
        match &plan.vertex(consumer.id).operator {
            Operator::Transform(_) => skip(plan, consumer.id, slots),
            Operator::Sink(_) => {
                slots.next(consumer.id);
            }
            Operator::Source { .. } => unreachable!("a source never consumes"),
        }
    }
}

/// Passes one batch through `stages`.
pub fn deliver(
    stages: &mut [Stage],
    batch: &Batch,
    sink_counters: &TableCounters,
) -> Result<(), ConnectorError> {
    for stage in stages {
        match stage {
            Stage::Transform {
                transform,
                bound,
                children,
            } => {
                let schema = batch.schema();
                let pos = match bound.iter().position(|(s, _, _)| Arc::ptr_eq(s, schema)) {
                    Some(p) => p,
                    None => {
                        let b = transform.bind(schema)?;
                        let out = Batch::new(b.output_schema().clone());
                        bound.push((schema.clone(), b, out));
                        bound.len() - 1
                    }
                };
                let (_, b, out) = &mut bound[pos];
                out.reset(b.output_schema().clone());
                b.process(batch, out)?;
                if !out.is_empty() {
                    deliver(children, out, sink_counters)?;
                }
            }
            Stage::Sink {
                vertex,
                writer,
                counters,
                ..
            } => {
                counters.count(sink_counters, batch);
                if let Err(e) = writer.write(batch) {
                    // SeaTunnel's multi-table sink wrapper logs this line; operators grep for it.
                    tracing::error!(
                        vertex = *vertex,
                        "MultiTableWriterRunnable error when writing table {}: {e}",
                        batch.schema().path
                    );
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

/// Asks every writer below `stages` to prepare a commit; returns `(sink vertex, info)` pairs.
pub fn prepare_commit(
    stages: &mut [Stage],
    out: &mut Vec<(usize, CommitInfo)>,
) -> Result<(), ConnectorError> {
    for stage in stages {
        match stage {
            Stage::Transform { children, .. } => prepare_commit(children, out)?,
            Stage::Sink { vertex, writer, .. } => {
                if let Some(info) = writer.prepare_commit()? {
                    out.push((*vertex, info));
                }
            }
        }
    }
    Ok(())
}

/// Snapshots every writer below `stages` at checkpoint `id` (right after `prepare_commit`).
pub fn snapshot(
    stages: &mut [Stage],
    id: u64,
    out: &mut Vec<WriterState>,
) -> Result<(), ConnectorError> {
    for stage in stages {
        match stage {
            Stage::Transform { children, .. } => snapshot(children, id, out)?,
            Stage::Sink {
                vertex,
                subtask_index,
                writer,
                ..
            } => {
                if let Some(state) = writer.snapshot(id)? {
                    out.push((*vertex, *subtask_index, state));
                }
            }
        }
    }
    Ok(())
}

/// Tells every writer below `stages` that checkpoint `id` completed (or was aborted).
pub fn notify(stages: &mut [Stage], id: u64, completed: bool) -> Result<(), ConnectorError> {
    for stage in stages {
        match stage {
            Stage::Transform { children, .. } => notify(children, id, completed)?,
            Stage::Sink { writer, .. } if completed => writer.checkpoint_completed(id)?,
            Stage::Sink { writer, .. } => writer.checkpoint_aborted(id),
        }
    }
    Ok(())
}

/// Closes every writer, reporting the first error after trying them all.
pub fn close(stages: &mut [Stage]) -> Result<(), ConnectorError> {
    let mut first = Ok(());
    for stage in stages {
        let result = match stage {
            Stage::Transform { children, .. } => close(children),
            Stage::Sink { writer, .. } => writer.close(),
        };
        if first.is_ok() {
            first = result;
        }
    }
    first
}
