//! `/overview`, `/running-jobs`, `/job-info/:id` (and `/running-job/:id`), `/finished-jobs/:state`.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::api::error::{ApiError, EMPTY_JOB_ID};
use crate::api::request::parse_job_id;
use crate::api::{view, ApiState};
use crate::coordinator::{JobInfo, StateFilter};

/// `projectVersion`: this build's version.
const PROJECT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// `gitCommitAbbrev`: the commit `build.rs` embeds from git (or `SEATUNNEL_GIT_COMMIT_ABBREV` set
/// by the builder); "unknown" only for a build outside a checkout.
const GIT_COMMIT_ABBREV: Option<&str> = option_env!("SEATUNNEL_GIT_COMMIT_ABBREV");
/// Slots are dynamic (unlimited), which SeaTunnel reports as 0 total and 0 unassigned.
const DYNAMIC_SLOTS: &str = "0";

/// Whether a node with `tags` passes the filter: every filter pair must be among its tags.
pub fn tags_match(filter: &[(String, String)], tags: &BTreeMap<String, String>) -> bool {
    filter.iter().all(|(k, v)| tags.get(k) == Some(v))
}

pub fn overview(state: &ApiState, filter: &[(String, String)]) -> Json {
    let counts = state.jobs.counts();
    let (total, unassigned, workers) = match state.members.slot_overview(filter) {
        Some(o) => (
            o.total_slot.to_string(),
            o.unassigned_slot.to_string(),
            o.workers,
        ),
        None => (
            DYNAMIC_SLOTS.to_string(),
            DYNAMIC_SLOTS.to_string(),
            usize::from(state.node.is_worker && tags_match(filter, &state.tags())),
        ),
    };
    json!({
        "projectVersion": PROJECT_VERSION,
        "gitCommitAbbrev": GIT_COMMIT_ABBREV.unwrap_or("unknown"),
        "totalSlot": total,
        "unassignedSlot": unassigned,
        "workers": workers.to_string(),
        "runningJobs": counts.running.to_string(),
        "finishedJobs": counts.finished.to_string(),
        "failedJobs": counts.failed.to_string(),
        "cancelledJobs": counts.canceled.to_string(),
    })
}

pub fn running_jobs(state: &ApiState) -> Json {
    Json::Array(
        state
            .jobs
            .running_jobs()
            .iter()
            .map(view::running_job)
            .collect(),
    )
}

pub fn job_info(state: &ApiState, raw_id: &str) -> Result<Json, ApiError> {
    let job_id = parse_job_id(raw_id)?.ok_or_else(|| ApiError::bad_request(EMPTY_JOB_ID))?;
    Ok(match state.jobs.job_info(job_id) {
        Some(JobInfo::Running(v)) => view::running_job(&v),
        Some(JobInfo::Finished(j)) => view::finished_job(&j),
        None => view::unknown_job(&job_id.to_string()),
    })
}

pub fn finished_jobs(state: &ApiState, status: &str) -> Json {
    Json::Array(
        state
            .jobs
            .finished_jobs(StateFilter::parse(status))
            .iter()
            .map(|j| view::finished_job(j))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_filter_needs_every_pair() {
        let tags: BTreeMap<String, String> = [
            ("node".to_string(), "node1".to_string()),
            ("zone".into(), "a".into()),
        ]
        .into_iter()
        .collect();
        assert!(tags_match(&[], &tags));
        assert!(tags_match(&[("node".into(), "node1".into())], &tags));
        assert!(!tags_match(&[("node".into(), "node2".into())], &tags));
        assert!(!tags_match(
            &[("node".into(), "node1".into()), ("rack".into(), "r".into())],
            &tags
        ));
        assert!(!tags_match(
            &[("node".into(), "node1".into())],
            &BTreeMap::new()
        ));
    }
}
