//! How a pipeline's end is decided once every task group ended (SeaTunnel's `JobMaster` rule):
//! a failure anywhere aborts what was prepared and fails the pipeline, a cancel aborts it and
//! cancels the pipeline, and only when every group finished cleanly is everything committed.
//!
//! Invariant: prepared output is always either committed or aborted, never dropped: the
//! [`Conclusion`] carries every info handed in, whichever way it goes.

/// How a pipeline ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineOutcome {
    Finished,
    Canceled,
    Failed(String),
}

/// How one task group ended, with what its writers prepared at the end (`I`: the commit info
/// as the caller holds it, in process or off the wire).
#[derive(Debug, Clone, PartialEq)]
pub enum GroupResult<I> {
    Finished(Vec<I>),
    Canceled,
    Failed(String),
}

/// What to do with the prepared output.
#[derive(Debug, PartialEq)]
pub enum Conclusion<I> {
    /// Commit these infos, then finish the sinks; the pipeline is FINISHED if that succeeds.
    Commit(Vec<I>),
    /// Abort these infos; the pipeline ends `outcome` (FAILED or CANCELED).
    Abort {
        infos: Vec<I>,
        outcome: PipelineOutcome,
    },
}

/// Decides the end of a pipeline from its groups' results, in group order. `failure` is a
/// failure seen besides the groups' own (a failed checkpoint, a failed reader); it wins over
/// theirs, since it is why they were cancelled. `canceled` is a cancel seen besides them (the
/// user's). `note` is appended to the failure's message (e.g. why the pipeline was not
/// restarted). `pending` are infos prepared for checkpoints that did not complete: they share
/// the end of the rest.
pub fn conclude<I>(
    results: impl IntoIterator<Item = GroupResult<I>>,
    pending: Vec<I>,
    failure: Option<String>,
    canceled: bool,
    note: Option<&str>,
) -> Conclusion<I> {
    let mut infos = Vec::new();
    let mut failure = failure;
    let mut canceled = canceled;
    for r in results {
        match r {
            GroupResult::Finished(i) => infos.extend(i),
            GroupResult::Canceled => canceled = true,
            GroupResult::Failed(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    infos.extend(pending);
    if let (Some(f), Some(note)) = (failure.as_mut(), note) {
        f.push_str("; ");
        f.push_str(note);
    }
    match failure {
        Some(e) => Conclusion::Abort {
            infos,
            outcome: PipelineOutcome::Failed(e),
        },
        None if canceled => Conclusion::Abort {
            infos,
            outcome: PipelineOutcome::Canceled,
        },
        None => Conclusion::Commit(infos),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use GroupResult::{Canceled, Failed, Finished};

    #[test]
    fn every_group_finished_commits_everything_prepared() {
        let c = conclude(
            vec![Finished(vec![1]), Finished(vec![2, 3])],
            vec![9],
            None,
            false,
            None,
        );
        assert_eq!(c, Conclusion::Commit(vec![1, 2, 3, 9]));
    }

    #[test]
    fn the_first_failure_fails_the_pipeline_and_aborts_everything() {
        let c = conclude(
            vec![
                Finished(vec![1]),
                Failed("disk full".into()),
                Failed("later".into()),
                Canceled,
            ],
            vec![9],
            None,
            false,
            Some("not restarted: env.job.retry.times is 0"),
        );
        assert_eq!(
            c,
            Conclusion::Abort {
                infos: vec![1, 9],
                outcome: PipelineOutcome::Failed(
                    "disk full; not restarted: env.job.retry.times is 0".into()
                ),
            }
        );
    }

    #[test]
    fn a_failure_besides_the_groups_wins_and_a_cancel_aborts() {
        let c = conclude(
            vec![Failed("cancelled by the checkpoint's failure".into())],
            Vec::<u8>::new(),
            Some("checkpoint 3 expired".into()),
            false,
            None,
        );
        assert!(matches!(
            c,
            Conclusion::Abort { outcome: PipelineOutcome::Failed(ref e), .. } if e == "checkpoint 3 expired"
        ));
        let c = conclude(vec![Finished(vec![1]), Canceled], vec![], None, false, None);
        assert_eq!(
            c,
            Conclusion::Abort {
                infos: vec![1],
                outcome: PipelineOutcome::Canceled
            }
        );
        let c = conclude(vec![Finished(vec![1])], vec![], None, true, Some("ignored"));
        assert_eq!(
            c,
            Conclusion::Abort {
                infos: vec![1],
                outcome: PipelineOutcome::Canceled
            }
        );
    }
}
