//! The coordinator's decisions, free of I/O and clocks: whether a submit may start, which
//! finished jobs a state filter keeps and in what order, the job counts of `/overview`, and the
//! checkpoint settings a job runs with.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::CheckpointSettings;
use crate::job::{EnvConfig, JobStatus};

use super::error::CoordinatorError;
use super::store::FinishedJob;

/// What a submit with a given id leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Plan and run it.
    Start,
    /// The id is running already: SeaTunnel answers success and does nothing.
    AlreadyRunning,
}

/// SeaTunnel's id rules, in its order: a running id wins (silent success); a restore needs a
/// runner that keeps checkpoints (`keeps_checkpoints`: a separated cluster's masters) and then
/// runs under the same id whether or not a checkpoint was kept; an id with history may only
/// come back as a restore.
pub fn admit(
    job_id: i64,
    running: bool,
    in_history: bool,
    start_with_savepoint: bool,
    keeps_checkpoints: bool,
) -> Result<Admission, CoordinatorError> {
    if running {
        Ok(Admission::AlreadyRunning)
    } else if start_with_savepoint && !keeps_checkpoints {
        Err(CoordinatorError::RestoreNotSupported(job_id))
    } else if start_with_savepoint {
        Ok(Admission::Start)
    } else if in_history {
        Err(CoordinatorError::AlreadySubmitted(job_id))
    } else {
        Ok(Admission::Start)
    }
}

/// What a stop request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAction {
    Cancel,
    /// Take a savepoint, then stop (SAVEPOINT_DONE).
    Savepoint,
    /// Unknown or already ended: SeaTunnel answers success.
    Nothing,
}

/// SeaTunnel's stop rules: cancelling anything not running is a silent success; a savepoint
/// needs a running job that checkpoints, on a runner that keeps checkpoints.
pub fn stop_action(
    job_id: i64,
    running: bool,
    savepoint: bool,
    keeps_checkpoints: bool,
    checkpoints: bool,
) -> Result<StopAction, CoordinatorError> {
    match (running, savepoint) {
        (true, false) => Ok(StopAction::Cancel),
        (false, false) => Ok(StopAction::Nothing),
        (false, true) => Err(CoordinatorError::SavepointNotRunning(job_id)),
        (true, true) if !keeps_checkpoints => Err(CoordinatorError::SavepointNotSupported(job_id)),
        (true, true) if !checkpoints => Err(CoordinatorError::SavepointWithoutCheckpoints(job_id)),
        (true, true) => Ok(StopAction::Savepoint),
    }
}

/// The `/finished-jobs/:state` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    /// No state given.
    All,
    Only(JobStatus),
    /// A state name that is no status: SeaTunnel compares names, so nothing matches.
    Nothing,
}

impl StateFilter {
    /// Case-insensitive, as SeaTunnel upper-cases the path segment; empty means all.
    pub fn parse(state: &str) -> StateFilter {
        if state.is_empty() {
            return StateFilter::All;
        }
        JobStatus::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(state))
            .map_or(StateFilter::Nothing, StateFilter::Only)
    }

    pub fn matches(self, status: JobStatus) -> bool {
        match self {
            StateFilter::All => true,
            StateFilter::Only(s) => s == status,
            StateFilter::Nothing => false,
        }
    }
}

/// Keeps the jobs the filter matches, oldest finish first (ties by id, so the order is stable).
pub fn select_finished(
    mut jobs: Vec<Arc<FinishedJob>>,
    filter: StateFilter,
) -> Vec<Arc<FinishedJob>> {
    jobs.retain(|j| filter.matches(j.status));
    jobs.sort_by_key(|j| (j.finish_time_ms, j.job_id));
    jobs
}

/// The job numbers of `/overview`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub running: usize,
    pub finished: usize,
    pub failed: usize,
    pub canceled: usize,
}

/// Counts by end state; jobs ending as SAVEPOINT_DONE or UNKNOWABLE are in no bucket, as in
/// SeaTunnel.
pub fn count_jobs(running: usize, finished: &[Arc<FinishedJob>]) -> JobCounts {
    let mut c = JobCounts {
        running,
        ..JobCounts::default()
    };
    for j in finished {
        match j.status {
            JobStatus::Finished => c.finished += 1,
            JobStatus::Failed => c.failed += 1,
            JobStatus::Canceled => c.canceled += 1,
            _ => {}
        }
    }
    c
}

/// Engine-wide checkpoint defaults (`seatunnel.engine.checkpoint.interval` / `.timeout` /
/// `.storage.max-retained` / `.min-pause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointDefaults {
    pub interval: Duration,
    pub timeout: Duration,
    pub max_retained: u32,
    /// `None` for SeaTunnel's -1: no minimum pause.
    pub min_pause: Option<Duration>,
}

impl Default for CheckpointDefaults {
    /// SeaTunnel's code defaults: 300000 ms and 30000 ms.
    fn default() -> Self {
        CheckpointDefaults {
            interval: Duration::from_millis(300_000),
            timeout: Duration::from_millis(30_000),
            max_retained: crate::config::DEFAULT_MAX_RETAINED,
            min_pause: None,
        }
    }
}

/// SeaTunnel's rule for a job's checkpoints (see [`CheckpointSettings::for_job`]) with the
/// engine defaults this master runs with.
pub fn checkpoint_settings(env: &EnvConfig, defaults: CheckpointDefaults) -> CheckpointSettings {
    CheckpointSettings::for_job(
        env,
        defaults.interval,
        defaults.timeout,
        defaults.max_retained,
        defaults.min_pause,
    )
}

#[cfg(test)]
mod tests {
    use super::super::store::tests::finished;
    use super::*;
    use crate::job::JobConfig;
    use serde_json::json;

    #[test]
    fn running_id_wins_over_every_other_rule() {
        assert_eq!(
            admit(5, true, true, true, false).unwrap(),
            Admission::AlreadyRunning
        );
        assert_eq!(
            admit(5, false, false, false, false).unwrap(),
            Admission::Start
        );
    }

    #[test]
    fn history_without_savepoint_is_refused_with_seatunnels_message() {
        let e = admit(5, false, true, false, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The job id 5 has already been submitted and is not starting with a savepoint."
        );
        let e = admit(5, false, true, true, false).unwrap_err();
        assert!(e.to_string().starts_with("not supported: restoring job 5"));
        let e = admit(5, false, false, true, false).unwrap_err();
        assert!(matches!(e, CoordinatorError::RestoreNotSupported(5)));
        // A cluster restores a savepointed or failed id, and also one it never saw.
        assert_eq!(admit(5, false, true, true, true).unwrap(), Admission::Start);
        assert_eq!(
            admit(5, false, false, true, true).unwrap(),
            Admission::Start
        );
    }

    #[test]
    fn stop_rules() {
        assert_eq!(
            stop_action(9, true, false, false, false).unwrap(),
            StopAction::Cancel
        );
        assert_eq!(
            stop_action(9, false, false, true, true).unwrap(),
            StopAction::Nothing
        );
        assert_eq!(
            stop_action(9, false, true, true, true)
                .unwrap_err()
                .to_string(),
            "The job with id '9' not running, save point failed"
        );
        assert!(matches!(
            stop_action(9, true, true, false, true).unwrap_err(),
            CoordinatorError::SavepointNotSupported(9)
        ));
        assert!(matches!(
            stop_action(9, true, true, true, false).unwrap_err(),
            CoordinatorError::SavepointWithoutCheckpoints(9)
        ));
        assert_eq!(
            stop_action(9, true, true, true, true).unwrap(),
            StopAction::Savepoint
        );
    }

    #[test]
    fn state_filter_is_case_insensitive_and_unknown_matches_nothing() {
        assert_eq!(StateFilter::parse(""), StateFilter::All);
        assert_eq!(
            StateFilter::parse("canceled"),
            StateFilter::Only(JobStatus::Canceled)
        );
        assert_eq!(StateFilter::parse("DONE"), StateFilter::Nothing);
        assert!(!StateFilter::Nothing.matches(JobStatus::Finished));
        assert!(StateFilter::All.matches(JobStatus::Failed));
    }

    #[test]
    fn finished_jobs_are_filtered_and_sorted_by_finish_time() {
        let jobs = vec![
            Arc::new(finished(1, JobStatus::Finished, 300)),
            Arc::new(finished(2, JobStatus::Failed, 100)),
            Arc::new(finished(3, JobStatus::Finished, 200)),
        ];
        let all: Vec<i64> = select_finished(jobs.clone(), StateFilter::All)
            .iter()
            .map(|j| j.job_id)
            .collect();
        assert_eq!(all, vec![2, 3, 1]);
        let done: Vec<i64> = select_finished(jobs, StateFilter::Only(JobStatus::Finished))
            .iter()
            .map(|j| j.job_id)
            .collect();
        assert_eq!(done, vec![3, 1]);
    }

    #[test]
    fn counts_ignore_savepoint_done() {
        let jobs = vec![
            Arc::new(finished(1, JobStatus::Finished, 1)),
            Arc::new(finished(2, JobStatus::Failed, 1)),
            Arc::new(finished(3, JobStatus::Canceled, 1)),
            Arc::new(finished(4, JobStatus::Canceled, 1)),
            Arc::new(finished(5, JobStatus::SavepointDone, 1)),
        ];
        assert_eq!(
            count_jobs(2, &jobs),
            JobCounts {
                running: 2,
                finished: 1,
                failed: 1,
                canceled: 2
            }
        );
    }

    fn env(tree: serde_json::Value) -> EnvConfig {
        JobConfig::from_tree(&json!({
            "env": tree,
            "source": [{"plugin_name": "S"}],
            "sink": [{"plugin_name": "K"}]
        }))
        .unwrap()
        .env
    }

    #[test]
    fn checkpoint_interval_follows_env_then_mode() {
        let d = CheckpointDefaults::default();
        assert_eq!(checkpoint_settings(&env(json!({})), d).interval, None);
        assert_eq!(
            checkpoint_settings(&env(json!({"job.mode": "STREAMING"})), d).interval,
            Some(d.interval)
        );
        let s = checkpoint_settings(
            &env(json!({"checkpoint.interval": 5000, "checkpoint.timeout": 700})),
            d,
        );
        assert_eq!(s.interval, Some(Duration::from_millis(5000)));
        assert_eq!(s.timeout, Duration::from_millis(700));
        assert_eq!(checkpoint_settings(&env(json!({})), d).timeout, d.timeout);
    }

    #[test]
    fn checkpoint_min_pause_follows_env_then_the_engine_and_minus_one_turns_it_off() {
        let d = CheckpointDefaults {
            min_pause: Some(Duration::from_millis(400)),
            ..CheckpointDefaults::default()
        };
        assert_eq!(
            checkpoint_settings(&env(json!({})), d).min_pause,
            d.min_pause
        );
        let pause = |v| checkpoint_settings(&env(json!({"checkpoint.min-pause": v})), d).min_pause;
        assert_eq!(pause(json!(2500)), Some(Duration::from_millis(2500)));
        assert_eq!(
            pause(json!(-1)),
            None,
            "-1 in env turns the engine's minimum off"
        );
        let none = CheckpointDefaults::default();
        assert_eq!(checkpoint_settings(&env(json!({})), none).min_pause, None);
    }
}
