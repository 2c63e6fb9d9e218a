//! `seatunnel.engine` from `seatunnel.yaml`, typed, with SeaTunnel's code defaults.
//!
//! Field names follow the YAML keys (serde kebab-case), so figment can extract this struct from
//! the merged layers directly; durations carry their unit in the type (see `units`).
//! The defaults here must match the `Is(..)` defaults of the schema; a test checks it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::units;

/// `backup-count`: one synchronous backup per state partition.
pub const DEFAULT_BACKUP_COUNT: u32 = 1;
/// `history-job-expire-minutes`: one day.
pub const DEFAULT_HISTORY_JOB_EXPIRE_MINUTES: u64 = 1440;
/// `print-execution-info-interval` and `print-job-metrics-info-interval`, seconds.
pub const DEFAULT_PRINT_INTERVAL_SECS: u64 = 60;
/// `job-metrics-backup-interval`, seconds.
pub const DEFAULT_JOB_METRICS_BACKUP_SECS: u64 = 10;
/// `checkpoint.interval`, ms: SeaTunnel's code default (the shipped yaml uses 10000).
pub const DEFAULT_CHECKPOINT_INTERVAL_MS: u64 = 300_000;
/// `checkpoint.timeout` and `checkpoint.schema-change-timeout`, ms.
pub const DEFAULT_CHECKPOINT_TIMEOUT_MS: u64 = 30_000;
/// `checkpoint.storage.max-retained`: code default (the shipped yaml uses 3).
pub const DEFAULT_MAX_RETAINED: u32 = 20;
/// `checkpoint.storage.plugin-config.namespace` when unset; it must end with `/`.
pub const DEFAULT_CHECKPOINT_NAMESPACE: &str = "/seatunnel/checkpoint/";
/// `checkpoint.storage.plugin-config."storage.type"` when unset.
pub const DEFAULT_CHECKPOINT_PLUGIN_STORAGE: &str = "local";
/// `http.port`, `http.https-port`, `http.port-range`.
pub const DEFAULT_HTTP_PORT: u16 = 8080;
pub const DEFAULT_HTTPS_PORT: u16 = 8443;
pub const DEFAULT_HTTP_PORT_RANGE: u16 = 100;
/// `http.basic-auth-username` / `-password` when basic auth is on without them.
pub const DEFAULT_BASIC_AUTH: &str = "admin";
/// Upload and log-response limits, MB.
pub const DEFAULT_UPLOAD_MAX_MB: i32 = 10;
pub const DEFAULT_LOG_RESPONSE_MAX_MB: i32 = 64;
/// `jar-storage` clean-up interval and expiry, seconds.
pub const DEFAULT_JAR_CLEANUP_SECS: u64 = 3600;
pub const DEFAULT_JAR_EXPIRY_SECS: u64 = 600;
/// `coordinator-service` pool sizes (max is Java's `Integer.MAX_VALUE`).
pub const DEFAULT_COORDINATOR_CORE_THREADS: u32 = 10;
pub const DEFAULT_COORDINATOR_MAX_THREADS: u32 = i32::MAX as u32;
/// Later-dev engine keys.
pub const DEFAULT_STATE_CLEANUP_DELAY_MS: u64 = 60_000;
pub const DEFAULT_HEALTH_METRICS_TIMEOUT_SECS: u64 = 3;
/// `takeover-worker-wait-seconds`: after a full restart, hosts boot in any order; five minutes
/// covers a slow host's boot, so a taken-over job waits for its workers instead of failing.
pub const DEFAULT_TAKEOVER_WORKER_WAIT_SECS: u64 = 300;
pub const DEFAULT_METRICS_FETCH_TIMEOUT_MS: u64 = 3000;
/// `stain-trace-*` defaults.
pub const DEFAULT_STAIN_SAMPLE_RATE: u32 = 100_000;
pub const DEFAULT_STAIN_MAX_TRACES_PER_SEC: u32 = 50;
pub const DEFAULT_STAIN_MAX_ENTRIES: u32 = 32;
pub const DEFAULT_STAIN_FILE_MAX_EVENTS: u32 = 10_000;
pub const DEFAULT_STAIN_FILE_MAX_MB: u32 = 10;
pub const DEFAULT_STAIN_FILE_FLUSH_SECS: u32 = 10;
/// `slot-service.slot-num` is this many slots per CPU core (later-dev default).
const SLOTS_PER_CORE: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueType {
    #[serde(rename = "BLOCKINGQUEUE")]
    BlockingQueue,
    #[serde(rename = "DISRUPTOR")]
    Disruptor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadShareMode {
    All,
    Off,
    Part,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AllocateStrategy {
    Random,
    SlotRatio,
    SystemLoad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScheduleStrategy {
    Reject,
    Wait,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointStorageType {
    /// Deprecated in SeaTunnel; kept because test configs still use it.
    Localfile,
    /// The Hadoop-FileSystem plugin: local, HDFS, S3 or OSS per `plugin-config`.
    Hdfs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JarStorageMode {
    Shared,
    Isolated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JarHaStorageType {
    Localfile,
    Hdfs,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct EngineConfig {
    pub backup_count: u32,
    #[serde(rename = "history-job-expire-minutes", with = "units::minutes")]
    pub history_job_expire: Duration,
    pub queue_type: QueueType,
    #[serde(with = "units::secs")]
    pub print_execution_info_interval: Duration,
    /// Read by the client only; servers ignore it.
    #[serde(with = "units::secs")]
    pub print_job_metrics_info_interval: Duration,
    #[serde(with = "units::secs")]
    pub job_metrics_backup_interval: Duration,
    /// The key really is spelled with underscores.
    #[serde(rename = "task_execution_thread_share_mode")]
    pub task_execution_thread_share_mode: ThreadShareMode,
    pub classloader_cache_mode: bool,
    pub slot_service: SlotServiceConfig,
    /// Always `Reject` after loading when `slot_service.dynamic_slot` is on.
    pub job_schedule_strategy: ScheduleStrategy,
    pub checkpoint: CheckpointConfig,
    pub telemetry: TelemetryConfig,
    pub http: HttpConfig,
    pub event_report_http: EventReportHttpConfig,
    pub jar_storage: JarStorageConfig,
    pub coordinator_service: CoordinatorServiceConfig,
    pub job_metrics_partition_count: u32,
    #[serde(rename = "state-cleanup-delay-ms", with = "units::millis")]
    pub state_cleanup_delay: Duration,
    /// How long, from a master's takeover of a job, a pipeline restart waits for workers.
    #[serde(rename = "takeover-worker-wait-seconds", with = "units::secs")]
    pub takeover_worker_wait: Duration,
    #[serde(rename = "health-metrics-timeout-seconds", with = "units::secs")]
    pub health_metrics_timeout: Duration,
    #[serde(rename = "metrics-fetch-timeout-ms", with = "units::millis")]
    pub metrics_fetch_timeout: Duration,
    pub timer_flush_pool_size: u32,
    pub metadata: BTreeMap<String, String>,
    pub stain_trace_enabled: bool,
    pub stain_trace_sample_rate: u32,
    pub stain_trace_max_traces_per_second_per_worker: u32,
    pub stain_trace_max_entries_per_trace: u32,
    pub stain_trace_propagate_to_all_splits: bool,
    #[serde(deserialize_with = "units::empty_none")]
    pub stain_trace_file_base_path: Option<String>,
    pub stain_trace_file_max_events_per_file: u32,
    pub stain_trace_file_max_size_mb: u32,
    pub stain_trace_file_flush_interval_seconds: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            backup_count: DEFAULT_BACKUP_COUNT,
            history_job_expire: Duration::from_secs(DEFAULT_HISTORY_JOB_EXPIRE_MINUTES * 60),
            queue_type: QueueType::BlockingQueue,
            print_execution_info_interval: Duration::from_secs(DEFAULT_PRINT_INTERVAL_SECS),
            print_job_metrics_info_interval: Duration::from_secs(DEFAULT_PRINT_INTERVAL_SECS),
            job_metrics_backup_interval: Duration::from_secs(DEFAULT_JOB_METRICS_BACKUP_SECS),
            task_execution_thread_share_mode: ThreadShareMode::Off,
            classloader_cache_mode: true,
            slot_service: SlotServiceConfig::default(),
            job_schedule_strategy: ScheduleStrategy::Reject,
            checkpoint: CheckpointConfig::default(),
            telemetry: TelemetryConfig::default(),
            http: HttpConfig::default(),
            event_report_http: EventReportHttpConfig::default(),
            jar_storage: JarStorageConfig::default(),
            coordinator_service: CoordinatorServiceConfig::default(),
            job_metrics_partition_count: 1,
            state_cleanup_delay: Duration::from_millis(DEFAULT_STATE_CLEANUP_DELAY_MS),
            takeover_worker_wait: Duration::from_secs(DEFAULT_TAKEOVER_WORKER_WAIT_SECS),
            health_metrics_timeout: Duration::from_secs(DEFAULT_HEALTH_METRICS_TIMEOUT_SECS),
            metrics_fetch_timeout: Duration::from_millis(DEFAULT_METRICS_FETCH_TIMEOUT_MS),
            timer_flush_pool_size: 1,
            metadata: BTreeMap::new(),
            stain_trace_enabled: false,
            stain_trace_sample_rate: DEFAULT_STAIN_SAMPLE_RATE,
            stain_trace_max_traces_per_second_per_worker: DEFAULT_STAIN_MAX_TRACES_PER_SEC,
            stain_trace_max_entries_per_trace: DEFAULT_STAIN_MAX_ENTRIES,
            stain_trace_propagate_to_all_splits: false,
            stain_trace_file_base_path: None,
            stain_trace_file_max_events_per_file: DEFAULT_STAIN_FILE_MAX_EVENTS,
            stain_trace_file_max_size_mb: DEFAULT_STAIN_FILE_MAX_MB,
            stain_trace_file_flush_interval_seconds: DEFAULT_STAIN_FILE_FLUSH_SECS,
        }
    }
}

impl EngineConfig {
    /// SeaTunnel's rule: with dynamic slots nothing ever waits for a slot, so the schedule
    /// strategy is forced to REJECT. Returns true when a configured WAIT was overridden.
    pub fn force_reject_with_dynamic_slots(&mut self) -> bool {
        let overridden =
            self.slot_service.dynamic_slot && self.job_schedule_strategy == ScheduleStrategy::Wait;
        if self.slot_service.dynamic_slot {
            self.job_schedule_strategy = ScheduleStrategy::Reject;
        }
        overridden
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SlotServiceConfig {
    pub dynamic_slot: bool,
    pub slot_num: u32,
    pub slot_allocate_strategy: AllocateStrategy,
}

impl Default for SlotServiceConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        SlotServiceConfig {
            dynamic_slot: true,
            slot_num: SLOTS_PER_CORE * cores,
            slot_allocate_strategy: AllocateStrategy::Random,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct CheckpointConfig {
    #[serde(with = "units::millis")]
    pub interval: Duration,
    #[serde(with = "units::millis")]
    pub timeout: Duration,
    #[serde(with = "units::millis")]
    pub schema_change_timeout: Duration,
    /// `None` when `min-pause` is -1 (no minimum).
    #[serde(with = "units::opt_millis")]
    pub min_pause: Option<Duration>,
    pub retain_after_job_cancelled: bool,
    pub storage: CheckpointStorageConfig,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig {
            interval: Duration::from_millis(DEFAULT_CHECKPOINT_INTERVAL_MS),
            timeout: Duration::from_millis(DEFAULT_CHECKPOINT_TIMEOUT_MS),
            schema_change_timeout: Duration::from_millis(DEFAULT_CHECKPOINT_TIMEOUT_MS),
            min_pause: None,
            retain_after_job_cancelled: false,
            storage: CheckpointStorageConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct CheckpointStorageConfig {
    #[serde(rename = "type")]
    pub storage_type: CheckpointStorageType,
    pub max_retained: u32,
    pub plugin_config: BTreeMap<String, String>,
}

impl Default for CheckpointStorageConfig {
    fn default() -> Self {
        CheckpointStorageConfig {
            storage_type: CheckpointStorageType::Localfile,
            max_retained: DEFAULT_MAX_RETAINED,
            plugin_config: BTreeMap::new(),
        }
    }
}

impl CheckpointStorageConfig {
    /// A plugin-config value as text.
    pub fn plugin(&self, key: &str) -> Option<&str> {
        self.plugin_config.get(key).map(String::as_str)
    }

    /// Root directory of checkpoints (`plugin-config.namespace`).
    pub fn namespace(&self) -> String {
        self.plugin("namespace")
            .unwrap_or(DEFAULT_CHECKPOINT_NAMESPACE)
            .to_string()
    }

    /// `plugin-config."storage.type"`: local, hdfs, s3 or oss.
    pub fn plugin_storage_type(&self) -> String {
        self.plugin("storage.type")
            .unwrap_or(DEFAULT_CHECKPOINT_PLUGIN_STORAGE)
            .to_string()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TelemetryConfig {
    pub metric: TelemetryMetricConfig,
    pub logs: TelemetryLogsConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TelemetryMetricConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TelemetryLogsConfig {
    pub scheduled_deletion_enable: bool,
}

impl Default for TelemetryLogsConfig {
    fn default() -> Self {
        TelemetryLogsConfig {
            scheduled_deletion_enable: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HttpConfig {
    pub enable_http: bool,
    pub port: u16,
    pub context_path: String,
    pub enable_dynamic_port: bool,
    pub port_range: u16,
    pub enable_https: bool,
    pub https_port: u16,
    #[serde(deserialize_with = "units::empty_none")]
    pub key_store_path: Option<String>,
    #[serde(deserialize_with = "units::empty_none")]
    pub key_store_password: Option<String>,
    #[serde(deserialize_with = "units::empty_none")]
    pub key_manager_password: Option<String>,
    #[serde(deserialize_with = "units::empty_none")]
    pub trust_store_path: Option<String>,
    #[serde(deserialize_with = "units::empty_none")]
    pub trust_store_password: Option<String>,
    pub enable_basic_auth: bool,
    pub basic_auth_username: String,
    pub basic_auth_password: String,
    /// MB; 0 or less means unlimited.
    pub upload_max_file_size_mb: i32,
    pub upload_max_request_size_mb: i32,
    pub log_response_max_size_mb: i32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            enable_http: false,
            port: DEFAULT_HTTP_PORT,
            context_path: String::new(),
            enable_dynamic_port: false,
            port_range: DEFAULT_HTTP_PORT_RANGE,
            enable_https: false,
            https_port: DEFAULT_HTTPS_PORT,
            key_store_path: None,
            key_store_password: None,
            key_manager_password: None,
            trust_store_path: None,
            trust_store_password: None,
            enable_basic_auth: false,
            basic_auth_username: DEFAULT_BASIC_AUTH.into(),
            basic_auth_password: DEFAULT_BASIC_AUTH.into(),
            upload_max_file_size_mb: DEFAULT_UPLOAD_MAX_MB,
            upload_max_request_size_mb: DEFAULT_UPLOAD_MAX_MB,
            log_response_max_size_mb: DEFAULT_LOG_RESPONSE_MAX_MB,
        }
    }
}

/// Bytes per MB for the size limits.
const MB: u64 = 1024 * 1024;

impl HttpConfig {
    /// The route prefix: empty, or `/x` without a trailing slash (`seatunnel/` → `/seatunnel`).
    pub fn context_prefix(&self) -> String {
        let trimmed = self.context_path.trim().trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }

    /// The ports to try for HTTP: just `port`, or `port ..= port + port-range` with dynamic ports.
    pub fn candidate_ports(&self) -> std::ops::RangeInclusive<u16> {
        let last = if self.enable_dynamic_port {
            self.port.saturating_add(self.port_range)
        } else {
            self.port
        };
        self.port..=last
    }

    fn limit(mb: i32) -> Option<u64> {
        u64::try_from(mb).ok().filter(|&m| m > 0).map(|m| m * MB)
    }

    /// Upload size limit in bytes; `None` means unlimited.
    pub fn upload_max_file_size(&self) -> Option<u64> {
        Self::limit(self.upload_max_file_size_mb)
    }

    pub fn upload_max_request_size(&self) -> Option<u64> {
        Self::limit(self.upload_max_request_size_mb)
    }

    pub fn log_response_max_size(&self) -> Option<u64> {
        Self::limit(self.log_response_max_size_mb)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct EventReportHttpConfig {
    #[serde(deserialize_with = "units::empty_none")]
    pub url: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub report_non_terminal_job_state: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct JarStorageConfig {
    pub enable: bool,
    pub connector_jar_storage_mode: JarStorageMode,
    pub connector_jar_storage_path: String,
    #[serde(with = "units::secs")]
    pub connector_jar_cleanup_task_interval: Duration,
    #[serde(with = "units::secs")]
    pub connector_jar_expiry_time: Duration,
    pub jar_ha_storage: JarHaStorageConfig,
}

impl Default for JarStorageConfig {
    fn default() -> Self {
        JarStorageConfig {
            enable: false,
            connector_jar_storage_mode: JarStorageMode::Shared,
            connector_jar_storage_path: String::new(),
            connector_jar_cleanup_task_interval: Duration::from_secs(DEFAULT_JAR_CLEANUP_SECS),
            connector_jar_expiry_time: Duration::from_secs(DEFAULT_JAR_EXPIRY_SECS),
            jar_ha_storage: JarHaStorageConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct JarHaStorageConfig {
    #[serde(rename = "type")]
    pub storage_type: JarHaStorageType,
    pub plugin_config: BTreeMap<String, String>,
}

impl Default for JarHaStorageConfig {
    fn default() -> Self {
        JarHaStorageConfig {
            storage_type: JarHaStorageType::Localfile,
            plugin_config: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct CoordinatorServiceConfig {
    pub core_thread_num: u32,
    pub max_thread_num: u32,
}

impl Default for CoordinatorServiceConfig {
    fn default() -> Self {
        CoordinatorServiceConfig {
            core_thread_num: DEFAULT_COORDINATOR_CORE_THREADS,
            max_thread_num: DEFAULT_COORDINATOR_MAX_THREADS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_slots_force_reject() {
        let mut e = EngineConfig {
            job_schedule_strategy: ScheduleStrategy::Wait,
            ..EngineConfig::default()
        };
        assert!(e.force_reject_with_dynamic_slots());
        assert_eq!(e.job_schedule_strategy, ScheduleStrategy::Reject);
        let mut fixed = EngineConfig {
            job_schedule_strategy: ScheduleStrategy::Wait,
            ..EngineConfig::default()
        };
        fixed.slot_service.dynamic_slot = false;
        assert!(!fixed.force_reject_with_dynamic_slots());
        assert_eq!(fixed.job_schedule_strategy, ScheduleStrategy::Wait);
    }

    #[test]
    fn http_helpers() {
        let mut h = HttpConfig {
            context_path: "seatunnel/".into(),
            ..HttpConfig::default()
        };
        assert_eq!(h.context_prefix(), "/seatunnel");
        assert_eq!(h.candidate_ports(), 8080..=8080);
        h.enable_dynamic_port = true;
        assert_eq!(h.candidate_ports(), 8080..=8180);
        assert_eq!(h.upload_max_file_size(), Some(10 * MB));
        h.upload_max_file_size_mb = 0;
        assert_eq!(h.upload_max_file_size(), None);
    }

    #[test]
    fn checkpoint_plugin_defaults() {
        let s = CheckpointStorageConfig::default();
        assert_eq!(s.namespace(), "/seatunnel/checkpoint/");
        assert_eq!(s.plugin_storage_type(), "local");
    }
}
