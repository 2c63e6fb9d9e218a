//! Slot accounting: what each worker offers, what a job needs, and the `/overview` numbers.
//!
//! SeaTunnel's rules, kept verbatim:
//! - Every task group and every coordinator task (split enumerator, aggregated committer) takes
//!   one slot, so a pipeline of parallelism P needs `2 + P` slots.
//! - A worker with `slot-service.dynamic-slot: true` has unlimited slots; with `false` it has
//!   `slot-num` of them.
//! - `env.tag_filter` restricts new slots to workers whose member attributes contain every
//!   filter entry with the same value; an empty filter matches every worker.
//! - `/overview` counts only the workers a tag filter matches; dynamic workers contribute 0 to
//!   `totalSlot` and `unassignedSlot`, which is why a default cluster reports "0"/"0".

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value as Json};

use crate::config::SlotServiceConfig;
use crate::connector::PluginKind;
use crate::job::{Dag, JobConfig};

/// Coordinator tasks per pipeline as SeaTunnel counts them for slots: the source split
/// enumerator and the sink aggregated committer (its docs: `N = 2 + P` per pipeline).
pub const COORDINATOR_TASKS_PER_PIPELINE: usize = 2;

/// A worker's identity for the master: it changes when the worker process restarts, so a
/// restarted worker is a new worker and the old one is dead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkerId(pub String);

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A slot number on one worker. Static workers number their slots `0..slot-num`; dynamic
/// workers hand out the lowest number not in use.
pub type SlotId = u32;

/// The allocation epoch stamped on a slot when it is granted (SeaTunnel's slot `sequence`).
/// A previous grant is re-adopted only if the worker still reports the same slot for the same
/// job with the same epoch, so a slot freed and granted again is never mistaken for the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(pub u64);

/// How many slots a worker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotCapacity {
    /// `dynamic-slot: false`: exactly this many (`slot-num`).
    Static(u32),
    /// `dynamic-slot: true`: unlimited.
    Dynamic,
}

/// A slot a worker reports as assigned, in its heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldSlot {
    pub slot: SlotId,
    pub job_id: i64,
    pub epoch: Epoch,
}

/// One live worker as the master's resource manager sees it.
///
/// Invariant expected from callers: `held` lists each slot id at most once.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerProfile {
    pub id: WorkerId,
    /// Member address `host:port`, for messages and the REST worker lists.
    pub address: String,
    /// Hazelcast `member-attributes` (name → value).
    pub tags: BTreeMap<String, String>,
    pub capacity: SlotCapacity,
    pub held: Vec<HeldSlot>,
    /// Recent resource utilisation in `0.0..=1.0` (CPU and memory averaged by the caller), used
    /// by SYSTEM_LOAD; `None` until the worker has reported one.
    pub load: Option<f64>,
}

impl WorkerProfile {
    /// A worker with no slots held, its capacity read from its own `slot-service` block.
    pub fn new(
        id: WorkerId,
        address: impl Into<String>,
        tags: BTreeMap<String, String>,
        slots: &SlotServiceConfig,
    ) -> WorkerProfile {
        WorkerProfile {
            id,
            address: address.into(),
            tags,
            capacity: if slots.dynamic_slot {
                SlotCapacity::Dynamic
            } else {
                SlotCapacity::Static(slots.slot_num)
            },
            held: Vec::new(),
            load: None,
        }
    }

    /// Whether the worker still reports `slot` as held by `job_id` under `epoch`.
    pub fn holds(&self, slot: SlotId, job_id: i64, epoch: Epoch) -> bool {
        self.held
            .iter()
            .any(|h| h.slot == slot && h.job_id == job_id && h.epoch == epoch)
    }

    /// Free slots, or `None` for unlimited (dynamic). Held slots numbered beyond a static
    /// capacity (left from an earlier, larger `slot-num`) occupy nothing inside it.
    pub fn free_slots(&self) -> Option<u32> {
        match self.capacity {
            SlotCapacity::Dynamic => None,
            SlotCapacity::Static(n) => {
                let used: BTreeSet<SlotId> = self
                    .held
                    .iter()
                    .map(|h| h.slot)
                    .filter(|s| *s < n)
                    .collect();
                Some(n - used.len() as u32)
            }
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TagFilterError {
    #[error("env.tag_filter.{key}: must be a string, number or boolean, got {got}; write it as {key} = \"value\"")]
    NotScalar { key: String, got: &'static str },
}

/// `env.tag_filter` (or the `/overview` query pairs): every entry must equal the worker's
/// member attribute of the same name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter(pub BTreeMap<String, String>);

impl TagFilter {
    /// Reads the env block's `tag_filter` object. Numbers and booleans are compared as the
    /// text HOCON would give them (`team = 1` matches attribute value `1`).
    pub fn from_env(raw: &Map<String, Json>) -> Result<TagFilter, TagFilterError> {
        let mut out = BTreeMap::new();
        for (key, value) in raw {
            let text = match value {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                other => {
                    return Err(TagFilterError::NotScalar {
                        key: key.clone(),
                        got: match other {
                            Json::Null => "null",
                            Json::Array(_) => "a list",
                            _ => "an object",
                        },
                    })
                }
            };
            out.insert(key.clone(), text);
        }
        Ok(TagFilter(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(k, v)| tags.get(k) == Some(v))
    }
}

impl FromIterator<(String, String)> for TagFilter {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        TagFilter(iter.into_iter().collect())
    }
}

/// Written like Java's map `toString` (`{group=platform, team=team1}`), as SeaTunnel logs it.
impl fmt::Display for TagFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v}")?;
        }
        f.write_str("}")
    }
}

/// What occupies a slot within a pipeline. Coordinators order first: SeaTunnel requests their
/// slots before the task groups'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskRole {
    /// `0..COORDINATOR_TASKS_PER_PIPELINE`.
    Coordinator(usize),
    /// One per source instance, numbered across the pipeline's sources in declaration order.
    Group(usize),
}

/// One slot-occupying task of a job (SeaTunnel's `TaskGroupLocation` without the job id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskLocation {
    /// 1-based, as in `Dag`.
    pub pipeline: usize,
    pub task: TaskRole,
}

impl fmt::Display for TaskLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.task {
            TaskRole::Coordinator(i) => write!(f, "pipeline-{} coordinator {i}", self.pipeline),
            TaskRole::Group(i) => write!(f, "pipeline-{} task group {i}", self.pipeline),
        }
    }
}

/// The slots one pipeline needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineDemand {
    pub pipeline: usize,
    pub coordinators: usize,
    pub task_groups: usize,
}

/// Everything a job asks of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRequest {
    pub job_id: i64,
    pub pipelines: Vec<PipelineDemand>,
    pub tag_filter: TagFilter,
}

impl ResourceRequest {
    /// Counts a job the way the engine runs it: per pipeline, one task group per instance of
    /// each of its sources (the source's `parallelism`, else `env.parallelism`), plus the
    /// coordinator tasks.
    pub fn for_job(job_id: i64, config: &JobConfig, dag: &Dag) -> Result<Self, TagFilterError> {
        let pipelines = (1..=dag.pipeline_count)
            .map(|pipeline| PipelineDemand {
                pipeline,
                coordinators: COORDINATOR_TASKS_PER_PIPELINE,
                task_groups: dag
                    .pipeline_vertices(pipeline)
                    .filter(|v| v.kind == PluginKind::Source)
                    .map(|v| {
                        config.sources[v.index]
                            .parallelism
                            .unwrap_or(config.env.parallelism)
                    })
                    .sum(),
            })
            .collect();
        Ok(ResourceRequest {
            job_id,
            pipelines,
            tag_filter: TagFilter::from_env(&config.env.tag_filter)?,
        })
    }

    pub fn slots_needed(&self) -> usize {
        self.pipelines
            .iter()
            .map(|p| p.coordinators + p.task_groups)
            .sum()
    }

    /// Every slot-occupying task, coordinators first within each pipeline.
    pub fn locations(&self) -> impl Iterator<Item = TaskLocation> + '_ {
        self.pipelines.iter().flat_map(|p| {
            let coordinators = (0..p.coordinators).map(TaskRole::Coordinator);
            let groups = (0..p.task_groups).map(TaskRole::Group);
            coordinators.chain(groups).map(move |task| TaskLocation {
                pipeline: p.pipeline,
                task,
            })
        })
    }
}

/// The slot and worker numbers of `/overview` (rendered as strings by the REST layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotOverview {
    pub total_slot: u64,
    pub unassigned_slot: u64,
    pub workers: usize,
}

/// `/overview`'s numbers over the workers `filter` matches.
pub fn overview(workers: &[WorkerProfile], filter: &TagFilter) -> SlotOverview {
    let mut out = SlotOverview {
        total_slot: 0,
        unassigned_slot: 0,
        workers: 0,
    };
    for w in workers.iter().filter(|w| filter.matches(&w.tags)) {
        out.workers += 1;
        if let (SlotCapacity::Static(n), Some(free)) = (w.capacity, w.free_slots()) {
            out.total_slot += u64::from(n);
            out.unassigned_slot += u64::from(free);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn static_worker(id: &str, n: u32, t: &[(&str, &str)]) -> WorkerProfile {
        WorkerProfile {
            id: WorkerId(id.into()),
            address: format!("{id}:5802"),
            tags: tags(t),
            capacity: SlotCapacity::Static(n),
            held: Vec::new(),
            load: None,
        }
    }

    fn held(slot: SlotId, job_id: i64) -> HeldSlot {
        HeldSlot {
            slot,
            job_id,
            epoch: Epoch(1),
        }
    }

    #[test]
    fn capacity_follows_the_worker_slot_service() {
        let mut cfg = SlotServiceConfig {
            dynamic_slot: true,
            ..SlotServiceConfig::default()
        };
        let w = WorkerProfile::new(WorkerId("a".into()), "h:1", BTreeMap::new(), &cfg);
        assert_eq!(w.capacity, SlotCapacity::Dynamic);
        assert_eq!(w.free_slots(), None);
        cfg.dynamic_slot = false;
        cfg.slot_num = 3;
        let w = WorkerProfile::new(WorkerId("a".into()), "h:1", BTreeMap::new(), &cfg);
        assert_eq!(w.capacity, SlotCapacity::Static(3));
        assert_eq!(w.free_slots(), Some(3));
    }

    #[test]
    fn free_slots_ignore_slots_beyond_capacity_and_duplicates() {
        let mut w = static_worker("a", 3, &[]);
        w.held = vec![held(0, 1), held(2, 2), held(7, 3)];
        assert_eq!(w.free_slots(), Some(1));
        assert!(w.holds(2, 2, Epoch(1)));
        assert!(!w.holds(2, 2, Epoch(2)));
        assert!(!w.holds(2, 1, Epoch(1)));
    }

    #[test]
    fn tag_filter_needs_every_entry() {
        let f = TagFilter::from_env(
            json!({"group": "platform", "team": "team1"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert!(f.matches(&tags(&[
            ("group", "platform"),
            ("team", "team1"),
            ("zone", "a")
        ])));
        assert!(!f.matches(&tags(&[("group", "platform")])));
        assert!(!f.matches(&tags(&[("group", "platform"), ("team", "team2")])));
        assert!(!f.matches(&BTreeMap::new()));
        assert!(TagFilter::default().matches(&BTreeMap::new()));
        assert_eq!(f.to_string(), "{group=platform, team=team1}");
    }

    #[test]
    fn tag_filter_reads_scalars_as_text_and_rejects_the_rest() {
        let f = TagFilter::from_env(json!({"n": 1, "b": true}).as_object().unwrap()).unwrap();
        assert!(f.matches(&tags(&[("n", "1"), ("b", "true")])));
        let err = TagFilter::from_env(json!({"team": ["a"]}).as_object().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "env.tag_filter.team: must be a string, number or boolean, got a list; write it as team = \"value\""
        );
    }

    #[test]
    fn locations_list_coordinators_then_groups_per_pipeline() {
        let r = ResourceRequest {
            job_id: 1,
            pipelines: vec![
                PipelineDemand {
                    pipeline: 1,
                    coordinators: 2,
                    task_groups: 2,
                },
                PipelineDemand {
                    pipeline: 2,
                    coordinators: 2,
                    task_groups: 1,
                },
            ],
            tag_filter: TagFilter::default(),
        };
        assert_eq!(r.slots_needed(), 7);
        let names: Vec<String> = r.locations().map(|l| l.to_string()).collect();
        assert_eq!(
            names,
            [
                "pipeline-1 coordinator 0",
                "pipeline-1 coordinator 1",
                "pipeline-1 task group 0",
                "pipeline-1 task group 1",
                "pipeline-2 coordinator 0",
                "pipeline-2 coordinator 1",
                "pipeline-2 task group 0",
            ]
        );
        let sorted: Vec<TaskLocation> =
            r.locations().collect::<BTreeSet<_>>().into_iter().collect();
        assert_eq!(sorted, r.locations().collect::<Vec<_>>());
    }

    fn request_for(text: &str) -> ResourceRequest {
        let tree = crate::job::load_job_text(
            text,
            "test.conf",
            crate::job::JobFormat::Hocon,
            &crate::job::Variables::default(),
        )
        .unwrap();
        let config = JobConfig::from_tree(&tree).unwrap();
        let dag = Dag::build(&config).unwrap();
        ResourceRequest::for_job(7, &config, &dag).unwrap()
    }

    #[test]
    fn a_job_needs_two_plus_parallelism_per_pipeline() {
        let r = request_for(
            r#"
            env { parallelism = 2, tag_filter { group = "platform" } }
            source {
              FakeSource { plugin_output = "a", parallelism = 3 }
              FakeSource { plugin_output = "b" }
              FakeSource { plugin_output = "c", parallelism = 1 }
            }
            sink {
              Console { plugin_input = ["a", "b"] }
              Console { plugin_input = "c" }
            }
            "#,
        );
        assert_eq!(
            r.pipelines,
            vec![
                PipelineDemand {
                    pipeline: 1,
                    coordinators: 2,
                    task_groups: 5
                },
                PipelineDemand {
                    pipeline: 2,
                    coordinators: 2,
                    task_groups: 1
                },
            ]
        );
        assert_eq!(r.slots_needed(), 10);
        assert_eq!(r.tag_filter.to_string(), "{group=platform}");
    }

    #[test]
    fn overview_counts_static_slots_of_matching_workers_only() {
        // RestApiIT: two nodes with 20 slots each; filtering by one node's tag halves the numbers.
        let mut a = static_worker("a", 20, &[("node", "a")]);
        let b = static_worker("b", 20, &[("node", "b")]);
        a.held = vec![held(0, 1), held(1, 1)];
        let all = overview(&[a.clone(), b.clone()], &TagFilter::default());
        assert_eq!(
            all,
            SlotOverview {
                total_slot: 40,
                unassigned_slot: 38,
                workers: 2
            }
        );
        let only_a: TagFilter = [("node".to_string(), "a".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            overview(&[a, b], &only_a),
            SlotOverview {
                total_slot: 20,
                unassigned_slot: 18,
                workers: 1
            }
        );
    }

    #[test]
    fn overview_reports_zero_slots_for_dynamic_workers() {
        let mut w = static_worker("a", 0, &[]);
        w.capacity = SlotCapacity::Dynamic;
        w.held = vec![held(0, 1)];
        assert_eq!(
            overview(&[w], &TagFilter::default()),
            SlotOverview {
                total_slot: 0,
                unassigned_slot: 0,
                workers: 1
            }
        );
        assert_eq!(overview(&[], &TagFilter::default()).workers, 0);
    }
}
