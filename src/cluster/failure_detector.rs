//! Member failure detection with Hazelcast's semantics (`hazelcast.heartbeat.failuredetector.type`).
//!
//! - `deadline`, Hazelcast's default: a member is suspected once it has been silent for
//!   `max.no.heartbeat`.
//! - `phi-accrual`, what SeaTunnel's shipped masters use: Hayashibara et al.'s accrual detector as
//!   Hazelcast ported it from Akka. The suspicion level is `φ = −log10(1 − F(Δt))`, where F is a
//!   normal CDF whose mean is the mean recent heartbeat interval plus the acceptable pause
//!   (`max.no.heartbeat`) and whose deviation is at least `min.std.dev.millis`.
//! - [`ConnectionFaults`]: the fast path. A crashed process usually resets its connections, and
//!   Hazelcast suspects a member after too many connection errors, long before silence would.
//!
//! Everything here is pure. The caller passes `now` as the time since an arbitrary fixed origin
//! (a monotonic clock in production, plain numbers in tests). Time is kept in whole
//! milliseconds, as in Hazelcast, so the integer arithmetic (the `estimate / 4` bootstrap, the
//! interval sums) gives the same numbers.
//!
//! One deliberate difference: Hazelcast's `heartbeat()` stores the new timestamp *before* it
//! asks whether the member is alive, so its "record the interval only while alive" check always
//! passes and the silence of a suspected member enters the history. We ask against the previous
//! heartbeat, as Akka (where the port comes from) does and as the rule means: an outage never
//! widens the distribution that later suspicions are judged by.

use std::collections::{BTreeMap, VecDeque};
use std::f64::consts::LN_10;
use std::time::Duration;

use crate::config::{FailureDetectorConfig, FailureDetectorKind};

/// Coefficients of the logistic approximation of the standard normal CDF,
/// `F(y) ≈ 1 / (1 + e^(−y(A + B·y²)))` (β Mathematics Handbook; error 0.00014 at ±3.16). Akka and
/// Hazelcast use exactly this one, so our φ equals theirs.
const LOGISTIC_A: f64 = 1.5976;
const LOGISTIC_B: f64 = 0.070566;
/// The two bootstrap samples sit at `estimate ± estimate / BOOTSTRAP_SPREAD_DIVISOR`: a wide
/// spread, because nothing is known about the link yet and one of the first heartbeats arriving
/// late must not cause a suspicion.
const BOOTSTRAP_SPREAD_DIVISOR: i64 = 4;
/// Hazelcast replaces a heartbeat interval of zero by one second.
const FALLBACK_HEARTBEAT_INTERVAL_MS: i64 = 1_000;

/// Hazelcast property: connection errors closer together than this many milliseconds count
/// once (one broken socket raises several errors in a burst).
pub const PROP_CONNECTION_MONITOR_INTERVAL: &str = "hazelcast.connection.monitor.interval";
/// Hazelcast property: counted connection errors tolerated; the next one suspects the member.
pub const PROP_CONNECTION_MONITOR_MAX_FAULTS: &str = "hazelcast.connection.monitor.max.faults";
/// Hazelcast's defaults for the two properties above.
pub const DEFAULT_CONNECTION_MONITOR_INTERVAL: Duration = Duration::from_millis(100);
pub const DEFAULT_CONNECTION_MONITOR_MAX_FAULTS: u32 = 3;

const PROP_PHI_THRESHOLD: &str = "hazelcast.heartbeat.phiaccrual.failuredetector.threshold";
const PROP_PHI_SAMPLE_SIZE: &str = "hazelcast.heartbeat.phiaccrual.failuredetector.sample.size";
const PROP_PHI_MIN_STD_DEV: &str =
    "hazelcast.heartbeat.phiaccrual.failuredetector.min.std.dev.millis";

/// Settings the detectors cannot work with (Hazelcast refuses them at startup too).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DetectorSettingsError {
    #[error("{key} must be a positive number, got {0}; set it above 0 (hazelcast's default is 10)", key = PROP_PHI_THRESHOLD)]
    Threshold(f64),
    #[error("{key} must be at least 1; set it to the number of heartbeat intervals to remember (hazelcast's default is 200)", key = PROP_PHI_SAMPLE_SIZE)]
    SampleSize,
    #[error("{key} must be at least 1; hazelcast's default is 100", key = PROP_PHI_MIN_STD_DEV)]
    MinStdDev,
    #[error("{key} must be a whole number, got `{value}`; hazelcast's default is {default}")]
    NotAWholeNumber {
        key: &'static str,
        value: String,
        default: u64,
    },
}

/// Validated detector settings, in milliseconds. Built from the config's
/// [`FailureDetectorConfig`] with `try_from`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorSettings {
    /// Expected heartbeat interval; the phi bootstrap estimate. Always > 0.
    interval_ms: i64,
    /// `max.no.heartbeat`: the deadline, or phi's acceptable pause. Always ≥ 0.
    pause_ms: i64,
    /// `None` in deadline mode.
    phi: Option<PhiSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct PhiSettings {
    /// Finite and > 0.
    threshold: f64,
    /// ≥ 1.
    sample_size: usize,
    /// > 0.
    min_std_dev_ms: f64,
}

impl TryFrom<&FailureDetectorConfig> for DetectorSettings {
    type Error = DetectorSettingsError;

    fn try_from(cfg: &FailureDetectorConfig) -> Result<Self, Self::Error> {
        let phi = match cfg.kind {
            FailureDetectorKind::Deadline => None,
            FailureDetectorKind::PhiAccrual {
                threshold,
                sample_size,
                min_std_dev,
            } => {
                if !(threshold > 0.0 && threshold.is_finite()) {
                    return Err(DetectorSettingsError::Threshold(threshold));
                }
                if sample_size == 0 {
                    return Err(DetectorSettingsError::SampleSize);
                }
                let min_std_dev_ms = min_std_dev.as_secs_f64() * 1000.0;
                if min_std_dev_ms <= 0.0 {
                    return Err(DetectorSettingsError::MinStdDev);
                }
                Some(PhiSettings {
                    threshold,
                    sample_size: usize::try_from(sample_size).unwrap_or(usize::MAX),
                    min_std_dev_ms,
                })
            }
        };
        let interval_ms = match millis(cfg.heartbeat_interval) {
            0 => FALLBACK_HEARTBEAT_INTERVAL_MS,
            ms => ms,
        };
        Ok(DetectorSettings {
            interval_ms,
            pause_ms: millis(cfg.max_no_heartbeat),
            phi,
        })
    }
}

impl DetectorSettings {
    /// How often members send heartbeats.
    pub fn heartbeat_interval(&self) -> Duration {
        duration(self.interval_ms)
    }

    /// `max.no.heartbeat`: the deadline, or the pause phi-accrual accepts on top of the mean.
    pub fn max_no_heartbeat(&self) -> Duration {
        duration(self.pause_ms)
    }
}

/// The silence after which a member that had been heartbeating steadily every
/// `heartbeat_interval` is suspected: `max.no.heartbeat` in deadline mode; in phi-accrual mode
/// `interval + max.no.heartbeat + y·min_std_dev`, where y is the point at which φ reaches the
/// threshold. Exact once the seeds no longer widen the history (after `sample.size` heartbeats,
/// or sooner when their spread falls under `min.std.dev`); the detector suspects at the first
/// whole millisecond at or past it.
pub fn silence_until_suspect(settings: &DetectorSettings) -> Duration {
    let Some(phi) = settings.phi else {
        return duration(settings.pause_ms);
    };
    let ms = (settings.interval_ms + settings.pause_ms) as f64
        + standard_score_at(phi.threshold) * phi.min_std_dev_ms;
    if ms <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX)
}

/// Suspicion of one member, from its heartbeats. There is no "never heard of" state: a
/// detector starts at the member's first heartbeat (or the moment it joined).
#[derive(Debug, Clone)]
pub struct FailureDetector {
    settings: DetectorSettings,
    last_heartbeat_ms: i64,
    /// Recent inter-arrival intervals; empty in deadline mode.
    history: History,
}

impl FailureDetector {
    /// A detector whose member was last heard from at `first_heartbeat`. In phi-accrual mode the
    /// history starts with two samples around the heartbeat interval, so a member that sends
    /// only one heartbeat is still suspected eventually.
    pub fn new(settings: DetectorSettings, first_heartbeat: Duration) -> Self {
        let mut history = History::new(settings.phi.map_or(0, |p| p.sample_size));
        if settings.phi.is_some() {
            let spread = settings.interval_ms / BOOTSTRAP_SPREAD_DIVISOR;
            history.add(settings.interval_ms - spread);
            history.add(settings.interval_ms + spread);
        }
        FailureDetector {
            settings,
            last_heartbeat_ms: millis(first_heartbeat),
            history,
        }
    }

    /// Records a heartbeat received at `now`. The interval since the previous one joins the
    /// history only if the member was still alive when this one arrived. A heartbeat older than
    /// the last one (a reordered delivery) is ignored: time never runs backwards here.
    pub fn heartbeat(&mut self, now: Duration) {
        let now = millis(now);
        if now < self.last_heartbeat_ms {
            return;
        }
        if self.settings.phi.is_some() && self.alive_at(now) {
            self.history.add(now - self.last_heartbeat_ms);
        }
        self.last_heartbeat_ms = now;
    }

    /// Whether the member is still considered alive at `now`.
    pub fn is_alive(&self, now: Duration) -> bool {
        self.alive_at(millis(now))
    }

    /// φ at `now` in phi-accrual mode; in deadline mode 0 while alive and 1 after, as Hazelcast
    /// reports it.
    pub fn suspicion_level(&self, now: Duration) -> f64 {
        let now = millis(now);
        match self.settings.phi {
            Some(_) => self.phi_at(now),
            None if self.alive_at(now) => 0.0,
            None => 1.0,
        }
    }

    /// When the member was last heard from.
    pub fn last_heartbeat(&self) -> Duration {
        duration(self.last_heartbeat_ms)
    }

    fn alive_at(&self, now_ms: i64) -> bool {
        match self.settings.phi {
            Some(phi) => self.phi_at(now_ms) < phi.threshold,
            None => {
                i128::from(self.last_heartbeat_ms) + i128::from(self.settings.pause_ms)
                    > i128::from(now_ms)
            }
        }
    }

    fn phi_at(&self, now_ms: i64) -> f64 {
        let Some(settings) = self.settings.phi else {
            return 0.0;
        };
        let elapsed = (i128::from(now_ms) - i128::from(self.last_heartbeat_ms)) as f64;
        let mean = self.history.mean() + self.settings.pause_ms as f64;
        let std_dev = self.history.std_dev().max(settings.min_std_dev_ms);
        phi(elapsed, mean, std_dev)
    }
}

/// `−log10(1 − F(elapsed))` for N(mean, std_dev) with the logistic F. The two branches are the
/// same function written to keep precision on each side of the mean.
fn phi(elapsed: f64, mean: f64, std_dev: f64) -> f64 {
    let y = (elapsed - mean) / std_dev;
    let e = (-y * (LOGISTIC_A + LOGISTIC_B * y * y)).exp();
    if elapsed > mean {
        -(e / (1.0 + e)).log10()
    } else {
        -(1.0 - 1.0 / (1.0 + e)).log10()
    }
}

/// The standard score y at which φ reaches `threshold`: the real root of
/// `B·y³ + A·y = ln(10^threshold − 1)`, by Cardano's formula in a cancellation-free form.
fn standard_score_at(threshold: f64) -> f64 {
    // ln(10^t − 1) = t·ln10 + ln(1 − 10^−t), without overflowing for a large t.
    let c = threshold * LN_10 + (-(-threshold * LN_10).exp_m1()).ln();
    let (p, q) = (LOGISTIC_A / LOGISTIC_B, -c / LOGISTIC_B);
    let half = -q / 2.0;
    let root = half.hypot((p * p * p / 27.0).sqrt());
    let u = (half + half.signum() * root).cbrt();
    u - p / (3.0 * u)
}

/// A ring of the last `capacity` intervals with running sums, so mean and deviation cost O(1).
#[derive(Debug, Clone)]
struct History {
    capacity: usize,
    intervals: VecDeque<i64>,
    sum: i128,
    sum_of_squares: i128,
}

impl History {
    fn new(capacity: usize) -> Self {
        History {
            capacity,
            // The configured size may be huge; grow on demand.
            intervals: VecDeque::new(),
            sum: 0,
            sum_of_squares: 0,
        }
    }

    fn add(&mut self, interval: i64) {
        if self.intervals.len() >= self.capacity {
            if let Some(dropped) = self.intervals.pop_front() {
                self.sum -= i128::from(dropped);
                self.sum_of_squares -= i128::from(dropped) * i128::from(dropped);
            }
        }
        self.intervals.push_back(interval);
        self.sum += i128::from(interval);
        self.sum_of_squares += i128::from(interval) * i128::from(interval);
    }

    fn mean(&self) -> f64 {
        self.sum as f64 / self.intervals.len() as f64
    }

    /// Population deviation; rounding can never make it NaN.
    fn std_dev(&self) -> f64 {
        let mean = self.mean();
        (self.sum_of_squares as f64 / self.intervals.len() as f64 - mean * mean)
            .max(0.0)
            .sqrt()
    }
}

/// How connection errors to one member are counted (Hazelcast's connection monitor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionMonitorSettings {
    /// Errors within this span of the last counted one are the same failure seen again.
    pub min_interval: Duration,
    /// Counted errors tolerated; the next one suspects the member.
    pub max_faults: u32,
}

impl Default for ConnectionMonitorSettings {
    fn default() -> Self {
        ConnectionMonitorSettings {
            min_interval: DEFAULT_CONNECTION_MONITOR_INTERVAL,
            max_faults: DEFAULT_CONNECTION_MONITOR_MAX_FAULTS,
        }
    }
}

impl ConnectionMonitorSettings {
    /// Reads `hazelcast.connection.monitor.interval` (milliseconds) and `…max.faults` from the
    /// hazelcast file's properties (`HazelcastConfig::properties`; the typed config does not map
    /// them). Absent keys keep Hazelcast's defaults.
    pub fn from_properties(
        props: &BTreeMap<String, String>,
    ) -> Result<Self, DetectorSettingsError> {
        let read = |key: &'static str, default: u64| match props.get(key) {
            None => Ok(default),
            Some(text) => {
                text.trim()
                    .parse::<u64>()
                    .map_err(|_| DetectorSettingsError::NotAWholeNumber {
                        key,
                        value: text.clone(),
                        default,
                    })
            }
        };
        let interval = read(
            PROP_CONNECTION_MONITOR_INTERVAL,
            DEFAULT_CONNECTION_MONITOR_INTERVAL.as_millis() as u64,
        )?;
        let max_faults = read(
            PROP_CONNECTION_MONITOR_MAX_FAULTS,
            u64::from(DEFAULT_CONNECTION_MONITOR_MAX_FAULTS),
        )?;
        Ok(ConnectionMonitorSettings {
            min_interval: Duration::from_millis(interval),
            max_faults: u32::try_from(max_faults).unwrap_or(u32::MAX),
        })
    }
}

/// What one connection error means for the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultVerdict {
    /// Within `min_interval` of the last counted error: not counted.
    Repeated,
    /// Counted (the count so far); not suspected yet.
    Counted(u32),
    /// Counted past `max_faults` (the count so far): suspect the member now.
    Suspect(u32),
}

/// Connection errors to one member since the last successful connection.
#[derive(Debug, Clone)]
pub struct ConnectionFaults {
    settings: ConnectionMonitorSettings,
    faults: u32,
    last_counted_ms: Option<i64>,
}

impl ConnectionFaults {
    pub fn new(settings: ConnectionMonitorSettings) -> Self {
        ConnectionFaults {
            settings,
            faults: 0,
            last_counted_ms: None,
        }
    }

    /// A connection error at `now`. As in Hazelcast, an error counts only if more than
    /// `min_interval` passed since the last counted one, and the member is suspected from the
    /// first counted error beyond `max_faults` on (the 4th with the defaults).
    pub fn on_error(&mut self, now: Duration) -> FaultVerdict {
        let now = millis(now);
        if let Some(last) = self.last_counted_ms {
            if i128::from(now) - i128::from(last) <= self.settings.min_interval.as_millis() as i128
            {
                return FaultVerdict::Repeated;
            }
        }
        let before = self.faults;
        self.faults = self.faults.saturating_add(1);
        self.last_counted_ms = Some(now);
        if before >= self.settings.max_faults {
            FaultVerdict::Suspect(self.faults)
        } else {
            FaultVerdict::Counted(self.faults)
        }
    }

    /// Whether the member is suspected: more counted faults than `max_faults`.
    pub fn suspected(&self) -> bool {
        self.faults > self.settings.max_faults
    }

    /// A connection to the member succeeded: the count starts again.
    pub fn reset(&mut self) {
        self.faults = 0;
        self.last_counted_ms = None;
    }

    /// Counted errors since the last reset.
    pub fn faults(&self) -> u32 {
        self.faults
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn config(interval_ms: u64, pause_ms: u64, kind: FailureDetectorKind) -> FailureDetectorConfig {
        FailureDetectorConfig {
            heartbeat_interval: ms(interval_ms),
            max_no_heartbeat: ms(pause_ms),
            kind,
        }
    }

    fn phi_settings(
        interval_ms: u64,
        pause_ms: u64,
        min_std_ms: u64,
        threshold: f64,
    ) -> DetectorSettings {
        let kind = FailureDetectorKind::PhiAccrual {
            threshold,
            sample_size: 200,
            min_std_dev: ms(min_std_ms),
        };
        DetectorSettings::try_from(&config(interval_ms, pause_ms, kind)).unwrap()
    }

    /// A detector that heard its member every `interval` from 0 through `beats` intervals.
    fn steady(settings: DetectorSettings, beats: u64) -> FailureDetector {
        let interval = settings.interval_ms as u64;
        let mut det = FailureDetector::new(settings, ms(0));
        for i in 1..=beats {
            det.heartbeat(ms(i * interval));
        }
        det
    }

    /// Milliseconds of silence after the last heartbeat until the detector first suspects.
    fn silence_to_suspicion(det: &FailureDetector) -> u64 {
        let last = det.last_heartbeat().as_millis() as u64;
        assert!(det.is_alive(ms(last)), "alive right after a heartbeat");
        let (mut alive, mut dead) = (last, last + 1);
        while det.is_alive(ms(dead)) {
            alive = dead;
            dead = last + (dead - last) * 2;
        }
        while dead - alive > 1 {
            let mid = (alive + dead) / 2;
            if det.is_alive(ms(mid)) {
                alive = mid;
            } else {
                dead = mid;
            }
        }
        dead - last
    }

    /// cluster-design.md §1.7, "silence needed before suspicion":
    /// (interval ms, max.no.heartbeat ms, min std dev ms, threshold, suspect after s).
    const TABLE: [(u64, u64, u64, f64, f64); 6] = [
        (2_000, 180_000, 100, 10.0, 182.6),
        (1_000, 60_000, 100, 10.0, 61.6),
        (1_000, 1_000, 100, 10.0, 2.6),
        (2_000, 0, 100, 10.0, 2.6),
        (200, 0, 100, 10.0, 0.78),
        (200, 0, 50, 10.0, 0.49),
    ];

    #[test]
    fn every_row_of_the_design_table_within_one_percent() {
        for (interval, pause, min_std, threshold, expected) in TABLE {
            let settings = phi_settings(interval, pause, min_std, threshold);
            let helper = silence_until_suspect(&settings).as_secs_f64();
            assert!(
                (helper - expected).abs() <= 0.01 * expected,
                "row {interval}/{pause}/{min_std}: helper {helper} s, table {expected} s"
            );
            // The detector itself, fed a steady heartbeat past its window, agrees to the ms.
            let measured = silence_to_suspicion(&steady(settings, 202)) as f64 / 1000.0;
            assert!(
                (measured - helper).abs() <= 0.001,
                "row {interval}/{pause}/{min_std}: detector {measured} s, helper {helper} s"
            );
        }
    }

    #[test]
    fn standard_score_inverts_phi_on_both_sides_of_the_mean() {
        for threshold in [0.05, 0.301, 1.0, 3.0, 8.0, 10.0, 16.0, 50.0] {
            let y = standard_score_at(threshold);
            let back = phi(y, 0.0, 1.0);
            assert!(
                (back - threshold).abs() <= 1e-9 * threshold,
                "threshold {threshold}: y {y} gives phi {back}"
            );
        }
        assert!(standard_score_at(0.05) < 0.0, "below phi(mean) = log10 2");
    }

    #[test]
    fn bootstrap_seeds_two_samples_around_the_interval() {
        let det = FailureDetector::new(phi_settings(2_000, 0, 100, 10.0), ms(0));
        assert_eq!(det.history.intervals, [1_500, 2_500]);
        assert_eq!(det.history.mean(), 2_000.0);
        assert_eq!(det.history.std_dev(), 500.0);
        // Integer division, as Hazelcast's long arithmetic.
        let odd = FailureDetector::new(phi_settings(1_001, 0, 100, 10.0), ms(0));
        assert_eq!(odd.history.intervals, [751, 1_251]);
        // A member heard once is judged by the seeds' wide spread, not the steady-state bound.
        let expected = (2_000.0 + standard_score_at(10.0) * 500.0).ceil() as u64;
        assert_eq!(silence_to_suspicion(&det), expected);
        assert!(Duration::from_millis(expected) > silence_until_suspect(&det.settings));
    }

    #[test]
    fn zero_interval_falls_back_to_one_second() {
        let settings = phi_settings(0, 0, 100, 10.0);
        assert_eq!(settings.heartbeat_interval(), Duration::from_secs(1));
    }

    #[test]
    fn intervals_are_sampled_only_while_alive() {
        let mut det = FailureDetector::new(phi_settings(1_000, 0, 100, 10.0), ms(0));
        det.heartbeat(ms(1_000));
        assert_eq!(det.history.intervals, [750, 1_250, 1_000]);
        // The last moment still alive: recorded.
        let edge = 1_000 + silence_to_suspicion(&det) - 1;
        det.heartbeat(ms(edge));
        assert_eq!(det.history.intervals.len(), 4);
        assert_eq!(det.history.intervals[3], (edge - 1_000) as i64);
        // Heard from again only after it was suspected: not recorded, but it counts as a heartbeat.
        let before = det.history.intervals.clone();
        let late = edge + 10 * silence_to_suspicion(&det);
        assert!(!det.is_alive(ms(late)));
        det.heartbeat(ms(late));
        assert_eq!(det.history.intervals, before);
        assert_eq!(det.last_heartbeat(), ms(late));
        assert!(det.is_alive(ms(late)));
    }

    #[test]
    fn min_std_dev_clamps_only_a_narrower_history() {
        let det = steady(phi_settings(1_000, 0, 100, 10.0), 202);
        assert_eq!(det.history.std_dev(), 0.0);
        let at = det.last_heartbeat() + ms(1_300);
        assert_eq!(det.suspicion_level(at), phi(1_300.0, 1_000.0, 100.0));

        // Intervals alternating 900/1100: a deviation of exactly 100 ms.
        let jittery = |min_std| {
            let mut det = FailureDetector::new(phi_settings(1_000, 0, min_std, 10.0), ms(0));
            let mut now = 0;
            for i in 0..200 {
                now += if i % 2 == 0 { 900 } else { 1_100 };
                det.heartbeat(ms(now));
            }
            assert_eq!(det.history.std_dev(), 100.0);
            silence_to_suspicion(&det)
        };
        let y = standard_score_at(10.0);
        assert_eq!(jittery(10), (1_000.0 + y * 100.0).ceil() as u64);
        assert_eq!(jittery(300), (1_000.0 + y * 300.0).ceil() as u64);
    }

    #[test]
    fn history_keeps_the_latest_sample_size_intervals() {
        let kind = FailureDetectorKind::PhiAccrual {
            threshold: 10.0,
            sample_size: 3,
            min_std_dev: ms(100),
        };
        let settings = DetectorSettings::try_from(&config(1_000, 0, kind)).unwrap();
        let mut det = FailureDetector::new(settings, ms(0));
        for now in [1_000, 2_100, 3_300] {
            det.heartbeat(ms(now));
        }
        assert_eq!(det.history.intervals, [1_000, 1_100, 1_200]);
        assert_eq!(det.history.sum, 3_300);
        assert_eq!(
            det.history.sum_of_squares,
            1_000_000 + 1_210_000 + 1_440_000
        );
        assert_eq!(det.history.mean(), 1_100.0);
    }

    #[test]
    fn a_heartbeat_older_than_the_last_is_ignored() {
        let mut det = FailureDetector::new(phi_settings(1_000, 0, 100, 10.0), ms(5_000));
        det.heartbeat(ms(4_000));
        assert_eq!(det.last_heartbeat(), ms(5_000));
        assert_eq!(det.history.intervals.len(), 2);
    }

    #[test]
    fn deadline_suspects_once_silence_reaches_max_no_heartbeat() {
        let settings =
            DetectorSettings::try_from(&config(5_000, 60_000, FailureDetectorKind::Deadline))
                .unwrap();
        assert_eq!(silence_until_suspect(&settings), Duration::from_secs(60));
        let mut det = FailureDetector::new(settings, ms(5_000));
        assert!(det.is_alive(ms(64_999)));
        assert_eq!(det.suspicion_level(ms(64_999)), 0.0);
        assert!(!det.is_alive(ms(65_000)));
        assert_eq!(det.suspicion_level(ms(65_000)), 1.0);
        assert_eq!(silence_to_suspicion(&det), 60_000);
        det.heartbeat(ms(70_000));
        assert!(det.is_alive(ms(129_999)));
        assert!(!det.is_alive(ms(130_000)));
        assert!(
            det.history.intervals.is_empty(),
            "deadline keeps no history"
        );
    }

    #[test]
    fn a_member_that_recovers_is_judged_as_before_its_outage() {
        let settings = phi_settings(2_000, 10_000, 100, 10.0);
        let mut det = steady(settings, 202);
        let before = silence_to_suspicion(&det);
        let outage_end = det.last_heartbeat() + ms(3 * before);
        assert!(!det.is_alive(outage_end));
        det.heartbeat(outage_end);
        assert!(det.is_alive(outage_end));
        let base = outage_end.as_millis() as u64;
        for i in 1..=10 {
            det.heartbeat(ms(base + i * 2_000));
            assert!(det.is_alive(ms(base + i * 2_000 + 1_999)));
        }
        assert_eq!(silence_to_suspicion(&det), before);
        assert_eq!(
            silence_to_suspicion(&det),
            silence_until_suspect(&settings).as_millis() as u64 + 1
        );
    }

    #[test]
    fn shipped_seatunnel_settings_map_from_the_config() {
        let kind = FailureDetectorKind::PhiAccrual {
            threshold: 10.0,
            sample_size: 200,
            min_std_dev: ms(100),
        };
        let settings = DetectorSettings::try_from(&config(2_000, 180_000, kind)).unwrap();
        assert_eq!(settings.heartbeat_interval(), Duration::from_secs(2));
        assert_eq!(settings.max_no_heartbeat(), Duration::from_secs(180));
        let secs = silence_until_suspect(&settings).as_secs_f64();
        assert!((182.5..182.6).contains(&secs), "{secs}");
    }

    #[test]
    fn unusable_phi_settings_are_refused_naming_the_property() {
        let phi = |threshold, sample_size, min_std_ms| {
            let kind = FailureDetectorKind::PhiAccrual {
                threshold,
                sample_size,
                min_std_dev: ms(min_std_ms),
            };
            DetectorSettings::try_from(&config(1_000, 0, kind))
        };
        assert_eq!(
            phi(0.0, 200, 100),
            Err(DetectorSettingsError::Threshold(0.0))
        );
        assert!(matches!(
            phi(f64::NAN, 200, 100),
            Err(DetectorSettingsError::Threshold(_))
        ));
        assert!(matches!(
            phi(f64::INFINITY, 200, 100),
            Err(DetectorSettingsError::Threshold(_))
        ));
        assert_eq!(phi(10.0, 0, 100), Err(DetectorSettingsError::SampleSize));
        assert_eq!(phi(10.0, 200, 0), Err(DetectorSettingsError::MinStdDev));
        assert_eq!(
            phi(-1.0, 200, 100).unwrap_err().to_string(),
            "hazelcast.heartbeat.phiaccrual.failuredetector.threshold must be a positive number, \
             got -1; set it above 0 (hazelcast's default is 10)"
        );
    }

    #[test]
    fn connection_errors_count_once_per_interval_and_suspect_past_max_faults() {
        let mut faults = ConnectionFaults::new(ConnectionMonitorSettings::default());
        assert_eq!(faults.on_error(ms(1_000)), FaultVerdict::Counted(1));
        assert_eq!(faults.on_error(ms(1_050)), FaultVerdict::Repeated);
        assert_eq!(faults.on_error(ms(1_100)), FaultVerdict::Repeated);
        assert_eq!(faults.on_error(ms(1_101)), FaultVerdict::Counted(2));
        assert_eq!(faults.on_error(ms(1_300)), FaultVerdict::Counted(3));
        assert_eq!(faults.on_error(ms(1_450)), FaultVerdict::Suspect(4));
        assert_eq!(faults.on_error(ms(1_600)), FaultVerdict::Suspect(5));
        assert_eq!(faults.faults(), 5);
        faults.reset();
        assert_eq!(faults.faults(), 0);
        assert_eq!(faults.on_error(ms(1_610)), FaultVerdict::Counted(1));

        let mut eager = ConnectionFaults::new(ConnectionMonitorSettings {
            min_interval: ms(100),
            max_faults: 0,
        });
        assert_eq!(eager.on_error(ms(0)), FaultVerdict::Suspect(1));
    }

    #[test]
    fn connection_monitor_settings_read_hazelcast_properties() {
        let props = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            ConnectionMonitorSettings::from_properties(&props(&[(
                "hazelcast.logging.type",
                "log4j2"
            )])),
            Ok(ConnectionMonitorSettings::default())
        );
        assert_eq!(
            ConnectionMonitorSettings::from_properties(&props(&[
                (PROP_CONNECTION_MONITOR_INTERVAL, "250"),
                (PROP_CONNECTION_MONITOR_MAX_FAULTS, " 0 "),
            ])),
            Ok(ConnectionMonitorSettings {
                min_interval: ms(250),
                max_faults: 0
            })
        );
        let err = ConnectionMonitorSettings::from_properties(&props(&[(
            PROP_CONNECTION_MONITOR_MAX_FAULTS,
            "three",
        )]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "hazelcast.connection.monitor.max.faults must be a whole number, got `three`; \
             hazelcast's default is 3"
        );
    }
}
