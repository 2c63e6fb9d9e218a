//! When a pipeline's next periodic checkpoint is due: `checkpoint.interval` after the last one
//! was triggered, and no sooner than `checkpoint.min-pause` after the last one ended (completed,
//! expired or given up), so a slow checkpoint is followed by a pause in which only rows flow.
//! The job driver schedules with it; [`CheckpointSettings`] are the job's resolved settings.

use std::ops::Add;
use std::time::Duration;

use seatunnel_connector::JobMode;

/// Checkpoint settings resolved for this job: env first, then the engine's defaults.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointSettings {
    /// `None` disables periodic checkpoints (BATCH without `env.checkpoint.interval`).
    pub interval: Option<Duration>,
    pub timeout: Duration,
    /// `checkpoint.storage.max-retained`: completed checkpoints kept per pipeline.
    pub max_retained: u32,
    /// `checkpoint.min-pause`: the least time from a checkpoint's end to the next one's trigger;
    /// `None` for no minimum.
    pub min_pause: Option<Duration>,
}

impl CheckpointSettings {
    /// SeaTunnel's rule: `env.checkpoint.interval` wins; STREAMING without one uses the engine's
    /// `checkpoint.interval`; BATCH without one runs with checkpoints disabled. The timeout is
    /// `env.checkpoint.timeout`, else the engine's; the minimum pause `env.checkpoint.min-pause`
    /// (where -1 turns the engine's off), else the engine's.
    pub fn for_job(
        env: &seatunnel_job::EnvConfig,
        engine_interval: Duration,
        engine_timeout: Duration,
        max_retained: u32,
        engine_min_pause: Option<Duration>,
    ) -> Self {
        let interval = match (env.checkpoint_interval_ms, env.job_mode) {
            (Some(ms), _) => Some(Duration::from_millis(ms)),
            (None, JobMode::Streaming) => Some(engine_interval),
            (None, JobMode::Batch) => None,
        };
        let timeout = env
            .checkpoint_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(engine_timeout);
        let min_pause = match env.checkpoint_min_pause_ms {
            Some(ms) => u64::try_from(ms).ok().map(Duration::from_millis),
            None => engine_min_pause,
        };
        CheckpointSettings {
            interval,
            timeout,
            max_retained: max_retained.max(1),
            min_pause,
        }
    }
}

/// The instant the next checkpoint is due. Pure.
///
/// - `last_trigger`: when the last checkpoint was triggered (the pipeline's start before the
///   first one);
/// - `last_end`: when the last checkpoint ended, `None` before the first;
/// - `min_pause`: `None` for no minimum (SeaTunnel's `-1`).
///
/// A checkpoint that took longer than the interval makes the next one due at once (unless the
/// pause holds it back), never a burst of missed ones.
pub fn next_checkpoint_due<I>(
    last_trigger: I,
    last_end: Option<I>,
    interval: Duration,
    min_pause: Option<Duration>,
) -> I
where
    I: Copy + Ord + Add<Duration, Output = I>,
{
    let by_interval = last_trigger + interval;
    match (last_end, min_pause) {
        (Some(end), Some(pause)) => by_interval.max(end + pause),
        _ => by_interval,
    }
}

/// A pipeline's checkpoint clock: what [`next_checkpoint_due`] needs, kept between rounds.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointSchedule {
    interval: Duration,
    min_pause: Option<Duration>,
    last_trigger: tokio::time::Instant,
    last_end: Option<tokio::time::Instant>,
}

impl CheckpointSchedule {
    /// The clock of a pipeline (or of a driver taking one over) that starts at `start`: the
    /// first checkpoint is due one interval later.
    pub fn new(
        start: tokio::time::Instant,
        interval: Duration,
        min_pause: Option<Duration>,
    ) -> CheckpointSchedule {
        CheckpointSchedule {
            interval,
            min_pause,
            last_trigger: start,
            last_end: None,
        }
    }

    pub fn due(&self) -> tokio::time::Instant {
        next_checkpoint_due(
            self.last_trigger,
            self.last_end,
            self.interval,
            self.min_pause,
        )
    }

    pub fn triggered(&mut self, at: tokio::time::Instant) {
        self.last_trigger = at;
    }

    pub fn ended(&mut self, at: tokio::time::Instant) {
        self.last_end = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds on a test clock.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Ms(u64);

    impl Add<Duration> for Ms {
        type Output = Ms;
        fn add(self, d: Duration) -> Ms {
            Ms(self.0 + d.as_millis() as u64)
        }
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn without_a_min_pause_checkpoints_follow_the_interval_from_their_trigger() {
        assert_eq!(next_checkpoint_due(Ms(0), None, SECOND, None), Ms(1000));
        // A 300 ms checkpoint triggered at 1000: the next at 2000, not 2300.
        assert_eq!(
            next_checkpoint_due(Ms(1000), Some(Ms(1300)), SECOND, None),
            Ms(2000)
        );
    }

    #[test]
    fn a_checkpoint_slower_than_the_interval_makes_the_next_due_at_once_not_in_a_burst() {
        // Triggered at 1000, ended at 4500: due at 2000, already past; one checkpoint, not three.
        let due = next_checkpoint_due(Ms(1000), Some(Ms(4500)), SECOND, None);
        assert_eq!(due, Ms(2000));
        assert!(due < Ms(4500));
    }

    #[test]
    fn the_min_pause_holds_the_next_checkpoint_back_from_the_end_of_the_last() {
        let pause = Some(Duration::from_millis(800));
        // Ended at 1300: 1300 + 800 = 2100 is later than the interval's 2000.
        assert_eq!(
            next_checkpoint_due(Ms(1000), Some(Ms(1300)), SECOND, pause),
            Ms(2100)
        );
        // Ended at 1100: the interval's 2000 is later than 1900.
        assert_eq!(
            next_checkpoint_due(Ms(1000), Some(Ms(1100)), SECOND, pause),
            Ms(2000)
        );
        // A slow checkpoint: at least the pause after it, however late the interval says.
        assert_eq!(
            next_checkpoint_due(Ms(1000), Some(Ms(4500)), SECOND, pause),
            Ms(5300)
        );
    }

    #[test]
    fn the_first_checkpoint_waits_one_interval_whatever_the_pause() {
        let pause = Some(Duration::from_secs(10));
        assert_eq!(next_checkpoint_due(Ms(0), None, SECOND, pause), Ms(1000));
    }

    #[test]
    fn a_schedule_moves_with_its_triggers_and_ends() {
        let start = tokio::time::Instant::now();
        let mut s = CheckpointSchedule::new(start, SECOND, Some(2 * SECOND));
        assert_eq!(s.due(), start + SECOND);
        s.triggered(start + SECOND);
        s.ended(start + SECOND + Duration::from_millis(100));
        assert_eq!(s.due(), start + 3 * SECOND + Duration::from_millis(100));
        s.triggered(s.due());
        s.ended(start + 4 * SECOND);
        assert_eq!(s.due(), start + 6 * SECOND);
    }
}
