//! The typed job: a loaded job tree (`env`, `source`, `transform`, `sink`) parsed into
//! [`JobConfig`]. The tree comes from the HOCON or JSON loader in SeaTunnel's normal form: every
//! plugin block is an object with `plugin_name` in an ordered list.

use serde_json::{Map, Value as Json};

use seatunnel_connector::{JobMode, Options};

/// Job name used when neither the client nor `env.job.name` gives one (SeaTunnel's default).
pub const DEFAULT_JOB_NAME: &str = "SeaTunnel_Job";
/// `job.retry.times` default.
const DEFAULT_RETRY_TIMES: u32 = 3;
/// `job.retry.interval.seconds` default.
const DEFAULT_RETRY_INTERVAL_SECONDS: u64 = 3;
/// The most task groups one vertex may run (`env.parallelism` or a plugin's `parallelism`).
/// Every task group costs a placement, channels and a reader on some node, so an unbounded
/// value let one request pin a master's CPU and a node's memory; 1024 covers a cluster of
/// 64 workers × 16 slots.
pub const MAX_PARALLELISM: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum JobConfigError {
    #[error("job config: {0}")]
    Invalid(String),
    #[error("job config: env.{key} {message}")]
    Env { key: String, message: String },
    /// Over a documented limit of ours: a client error (REST 400), named with the limit.
    #[error("job config: {key} must be at most {limit}, got {got}; the limit bounds what one job may cost the cluster")]
    Limit { key: String, limit: usize, got: i64 },
}

/// `parallelism` (at `key`, for messages) checked against [`MAX_PARALLELISM`].
fn bounded_parallelism(key: &str, p: i64) -> Result<usize, JobConfigError> {
    if p > MAX_PARALLELISM as i64 {
        return Err(JobConfigError::Limit {
            key: key.to_string(),
            limit: MAX_PARALLELISM,
            got: p,
        });
    }
    Ok(p as usize)
}

/// One plugin block.
#[derive(Debug, Clone)]
pub struct PluginConfig {
    /// The name as written (`console`), which also goes into vertex names.
    pub name: String,
    pub options: Options,
    /// `plugin_output` (or the legacy `result_table_name`).
    pub output: Option<String>,
    /// `plugin_input` (or the legacy `source_table_name`): one name or several.
    pub inputs: Vec<String>,
    /// The block's own `parallelism`, if set.
    pub parallelism: Option<usize>,
}

/// The `env` block, with the keys the engine acts on parsed and the rest kept for `envOptions`.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    pub job_name: Option<String>,
    pub job_mode: JobMode,
    pub parallelism: usize,
    pub checkpoint_interval_ms: Option<u64>,
    pub checkpoint_timeout_ms: Option<u64>,
    /// `checkpoint.min-pause` in ms: at least 0, or -1 to turn off the engine's minimum.
    pub checkpoint_min_pause_ms: Option<i64>,
    pub retry_times: u32,
    pub retry_interval_seconds: u64,
    pub tag_filter: Map<String, Json>,
    pub shade_identifier: Option<String>,
    /// Every env key as written, reported as `envOptions` by the REST API.
    pub raw: Map<String, Json>,
}

#[derive(Debug, Clone)]
pub struct JobConfig {
    pub env: EnvConfig,
    pub sources: Vec<PluginConfig>,
    pub transforms: Vec<PluginConfig>,
    pub sinks: Vec<PluginConfig>,
}

impl JobConfig {
    /// Parses a loaded job tree.
    pub fn from_tree(tree: &Json) -> Result<JobConfig, JobConfigError> {
        let root = tree.as_object().ok_or_else(|| {
            JobConfigError::Invalid("the job must be an object with env, source and sink".into())
        })?;
        let env = match root.get("env") {
            None | Some(Json::Null) => Map::new(),
            Some(Json::Object(m)) => m.clone(),
            Some(_) => return Err(JobConfigError::Invalid("'env' must be an object".into())),
        };
        let env = EnvConfig::parse(env)?;
        let sources = plugins(root, "source", true)?;
        let transforms = plugins(root, "transform", false)?;
        let sinks = plugins(root, "sink", true)?;
        Ok(JobConfig {
            env,
            sources,
            transforms,
            sinks,
        })
    }

    /// Name precedence: the caller's name, then `env.job.name`, then `SeaTunnel_Job`.
    /// SeaTunnel treats an empty name and the CLI defaults `SeaTunnel`/`SeaTunnel_Job` as "none".
    pub fn job_name(&self, requested: Option<&str>) -> String {
        let given =
            requested.filter(|n| !n.is_empty() && *n != "SeaTunnel" && *n != DEFAULT_JOB_NAME);
        given
            .map(str::to_string)
            .or_else(|| self.env.job_name.clone())
            .unwrap_or_else(|| DEFAULT_JOB_NAME.to_string())
    }
}

/// The least time between a checkpoint's end and the next one's trigger (SeaTunnel 2.3.x reads
/// it from `seatunnel.yaml` only; later versions also from `env`).
const MIN_PAUSE_KEY: &str = "checkpoint.min-pause";

fn env_err(key: &str, message: impl Into<String>) -> JobConfigError {
    JobConfigError::Env {
        key: key.into(),
        message: message.into(),
    }
}

impl EnvConfig {
    fn parse(raw: Map<String, Json>) -> Result<EnvConfig, JobConfigError> {
        let opts = Options::new("env", raw.clone());
        let conv = |e: seatunnel_connector::ConnectorError, key: &str| {
            env_err(key, strip_prefix(&e.to_string(), key))
        };
        let job_mode = match opts.string("job.mode").map_err(|e| conv(e, "job.mode"))? {
            None => JobMode::Batch,
            Some(m) => JobMode::parse(&m).ok_or_else(|| {
                env_err(
                    "job.mode",
                    format!("must be BATCH or STREAMING, got \"{m}\""),
                )
            })?,
        };
        let parallelism = opts
            .usize_at_least("parallelism", 1, 1)
            .map_err(|e| conv(e, "parallelism"))?;
        let parallelism = bounded_parallelism("env.parallelism", parallelism as i64)?;
        let ms = |key: &str| -> Result<Option<u64>, JobConfigError> {
            match opts.i64(key).map_err(|e| conv(e, key))? {
                Some(v) if v <= 0 => Err(env_err(
                    key,
                    format!("must be a positive number of milliseconds, got {v}"),
                )),
                v => Ok(v.map(|v| v as u64)),
            }
        };
        let checkpoint_interval_ms = ms("checkpoint.interval")?;
        let checkpoint_timeout_ms = ms("checkpoint.timeout")?;
        let checkpoint_min_pause_ms = match opts
            .i64(MIN_PAUSE_KEY)
            .map_err(|e| conv(e, MIN_PAUSE_KEY))?
        {
            Some(v) if v < -1 => {
                return Err(env_err(
                    MIN_PAUSE_KEY,
                    format!(
                    "must be -1 (no minimum) or a number of milliseconds of at least 0, got {v}"
                ),
                ))
            }
            v => v,
        };
        let retry_times = opts
            .i64_or("job.retry.times", DEFAULT_RETRY_TIMES as i64)
            .map_err(|e| conv(e, "job.retry.times"))?;
        let retry_interval = opts
            .i64_or(
                "job.retry.interval.seconds",
                DEFAULT_RETRY_INTERVAL_SECONDS as i64,
            )
            .map_err(|e| conv(e, "job.retry.interval.seconds"))?;
        let tag_filter = opts
            .object("tag_filter")
            .map_err(|e| conv(e, "tag_filter"))?
            .cloned()
            .unwrap_or_default();
        Ok(EnvConfig {
            job_name: opts
                .string("job.name")
                .map_err(|e| conv(e, "job.name"))?
                .filter(|n| !n.is_empty()),
            job_mode,
            parallelism,
            checkpoint_interval_ms,
            checkpoint_timeout_ms,
            checkpoint_min_pause_ms,
            retry_times: retry_times.max(0) as u32,
            retry_interval_seconds: retry_interval.max(0) as u64,
            tag_filter,
            shade_identifier: opts
                .string("shade.identifier")
                .map_err(|e| conv(e, "shade.identifier"))?,
            raw,
        })
    }
}

/// Keeps only the part of an option error after the key, so env errors read `env.KEY …`.
fn strip_prefix(message: &str, key: &str) -> String {
    let marker = format!("'{key}' ");
    message
        .split_once(&marker)
        .map_or(message.to_string(), |(_, rest)| rest.to_string())
}

fn plugins(
    root: &Map<String, Json>,
    section: &str,
    required: bool,
) -> Result<Vec<PluginConfig>, JobConfigError> {
    let items = match root.get(section) {
        None | Some(Json::Null) if required => {
            return Err(JobConfigError::Invalid(format!(
                "'{section}' is required: add a {section} {{ … }} block"
            )))
        }
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(items)) => items,
        Some(_) => {
            return Err(JobConfigError::Invalid(format!(
                "'{section}' must be a list of plugin blocks"
            )))
        }
    };
    if required && items.is_empty() {
        return Err(JobConfigError::Invalid(format!(
            "'{section}' has no plugin: add at least one"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| plugin(section, i, item))
        .collect()
}

fn plugin(section: &str, index: usize, item: &Json) -> Result<PluginConfig, JobConfigError> {
    let map = item
        .as_object()
        .ok_or_else(|| JobConfigError::Invalid(format!("{section}[{index}] must be an object")))?;
    let name = match map.get("plugin_name") {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(JobConfigError::Invalid(format!(
                "{section}[{index}] has no plugin_name"
            )))
        }
    };
    let options = Options::new(name.clone(), map.clone());
    let bad = |e: seatunnel_connector::ConnectorError| {
        JobConfigError::Invalid(format!("{section}[{index}]: {e}"))
    };
    let output = match options.string("plugin_output").map_err(bad)? {
        Some(o) => Some(o),
        None => options.string("result_table_name").map_err(bad)?,
    };
    let inputs = match options.string_list("plugin_input").map_err(bad)? {
        Some(i) => i,
        None => options
            .string_list("source_table_name")
            .map_err(bad)?
            .unwrap_or_default(),
    };
    let parallelism = match options.i64("parallelism").map_err(bad)? {
        None => None,
        Some(p) if p >= 1 => Some(bounded_parallelism(
            &format!("{section}[{index}] {name}: parallelism"),
            p,
        )?),
        Some(p) => {
            return Err(bad(
                options.invalid("parallelism", format!("must be at least 1, got {p}"))
            ))
        }
    };
    Ok(PluginConfig {
        name,
        options,
        output,
        inputs,
        parallelism,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tree() -> Json {
        json!({
            "env": {"job.mode": "streaming", "parallelism": "2", "job.name": "demo"},
            "source": [{"plugin_name": "FakeSource", "result_table_name": "fake", "parallelism": 3}],
            "sink": [{"plugin_name": "Console", "plugin_input": ["fake"]}]
        })
    }

    #[test]
    fn parses_env_and_wiring() {
        let job = JobConfig::from_tree(&tree()).unwrap();
        assert_eq!(job.env.job_mode, JobMode::Streaming);
        assert_eq!(job.env.parallelism, 2);
        assert_eq!(job.sources[0].output.as_deref(), Some("fake"));
        assert_eq!(job.sources[0].parallelism, Some(3));
        assert_eq!(job.sinks[0].inputs, vec!["fake".to_string()]);
        assert!(job.transforms.is_empty());
    }

    #[test]
    fn job_name_precedence() {
        let job = JobConfig::from_tree(&tree()).unwrap();
        assert_eq!(job.job_name(Some("cli")), "cli");
        assert_eq!(job.job_name(Some("SeaTunnel")), "demo");
        assert_eq!(job.job_name(None), "demo");
    }

    /// One request must not cost the cluster unbounded work: parallelism has a documented
    /// limit, named in the error, and the limit itself is allowed.
    #[test]
    fn parallelism_is_bounded_by_a_named_limit() {
        let mut t = tree();
        t["env"]["parallelism"] = json!(MAX_PARALLELISM);
        assert_eq!(
            JobConfig::from_tree(&t).unwrap().env.parallelism,
            MAX_PARALLELISM
        );
        t["env"]["parallelism"] = json!(100_000);
        let e = JobConfig::from_tree(&t).unwrap_err();
        assert!(matches!(e, JobConfigError::Limit { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "job config: env.parallelism must be at most 1024, got 100000; the limit bounds what one job may cost the cluster"
        );
        let mut t = tree();
        t["source"][0]["parallelism"] = json!(5000);
        let e = JobConfig::from_tree(&t).unwrap_err().to_string();
        assert!(
            e.contains("source[0] FakeSource: parallelism must be at most 1024, got 5000"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let mut t = tree();
        t["env"]["job.mode"] = json!("sometimes");
        let e = JobConfig::from_tree(&t).unwrap_err().to_string();
        assert_eq!(
            e,
            "job config: env.job.mode must be BATCH or STREAMING, got \"sometimes\""
        );
        let mut t = tree();
        t.as_object_mut().unwrap().remove("sink");
        assert!(JobConfig::from_tree(&t)
            .unwrap_err()
            .to_string()
            .contains("'sink' is required"));
    }

    #[test]
    fn checkpoint_min_pause_is_milliseconds_or_minus_one_and_a_bad_value_names_the_key() {
        let min_pause = |v: Json| {
            let mut t = tree();
            t["env"]["checkpoint.min-pause"] = v;
            JobConfig::from_tree(&t).map(|j| j.env.checkpoint_min_pause_ms)
        };
        assert_eq!(
            JobConfig::from_tree(&tree())
                .unwrap()
                .env
                .checkpoint_min_pause_ms,
            None
        );
        assert_eq!(min_pause(json!(1500)).unwrap(), Some(1500));
        assert_eq!(min_pause(json!("0")).unwrap(), Some(0));
        assert_eq!(min_pause(json!(-1)).unwrap(), Some(-1));
        assert_eq!(
            min_pause(json!(-5)).unwrap_err().to_string(),
            "job config: env.checkpoint.min-pause must be -1 (no minimum) or a number of milliseconds of at least 0, got -5"
        );
        let e = min_pause(json!("soon")).unwrap_err().to_string();
        assert!(
            e.starts_with("job config: env.checkpoint.min-pause "),
            "{e}"
        );
    }
}
