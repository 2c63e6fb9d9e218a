//! `seatunnel.sh` flags, parsed by hand: SeaTunnel's client uses JCommander, whose multi-letter
//! single-dash names (`-can`, `-cn`, `-cj`), variable-arity lists (`-can 1 2 3`) and booleans that
//! take an optional `true`/`false` do not fit clap's derive. Parsing is pure; [`ClientArgs::action`]
//! then decides what the command does, with SeaTunnel's precedence between action flags.

use std::path::PathBuf;

/// `--checkpoint-history-limit`'s default, SeaTunnel's.
pub const DEFAULT_CHECKPOINT_HISTORY_LIMIT: usize = 20;

/// Booleans accept a following `true`/`false` as their value, as JCommander's do.
const BOOL_VALUES: [&str; 2] = ["true", "false"];

/// Where a job runs: `-m local|cluster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Master {
    Local,
    #[default]
    Cluster,
}

/// Every flag as given; defaults are SeaTunnel's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientArgs {
    pub config: Option<PathBuf>,
    pub master: Master,
    /// `-e`/`--deploy-mode` was used (deprecated since SeaTunnel 2.3.1).
    pub deprecated_deploy_mode: bool,
    pub name: Option<String>,
    /// Raw `-i` values; each may hold several `k=v` joined by `,`.
    pub variables: Vec<String>,
    pub check: bool,
    pub encrypt: bool,
    pub decrypt: bool,
    pub async_submit: bool,
    pub close_job: bool,
    pub cluster: Option<String>,
    pub list: bool,
    pub job_id: Option<i64>,
    pub metrics: Option<i64>,
    pub running_job_metrics: bool,
    /// `None` when `-can` is absent; `Some` holds at least one id.
    pub cancel: Option<Vec<i64>>,
    pub savepoint: Option<i64>,
    pub restore: Option<i64>,
    pub set_job_id: Option<i64>,
    /// `--checkpoint-overview` (SeaTunnel 3.x).
    pub checkpoint_overview: Option<i64>,
    /// `--checkpoint-history` (SeaTunnel 3.x) and its filters.
    pub checkpoint_history: Option<i64>,
    pub checkpoint_history_pipeline: Option<usize>,
    pub checkpoint_history_limit: usize,
    pub checkpoint_history_status: Option<String>,
    pub help: bool,
    /// seatunnel-rs: the `seatunnel.yaml` whose directory holds `hazelcast-client.yaml`.
    pub server_config: Option<PathBuf>,
    /// seatunnel-rs: the drop-in directory (default `seatunnel.d` beside `seatunnel.yaml`).
    pub config_dir: Option<PathBuf>,
}

impl Default for ClientArgs {
    fn default() -> Self {
        ClientArgs {
            config: None,
            master: Master::Cluster,
            deprecated_deploy_mode: false,
            name: None,
            variables: Vec::new(),
            check: false,
            encrypt: false,
            decrypt: false,
            async_submit: false,
            close_job: true,
            cluster: None,
            list: false,
            job_id: None,
            metrics: None,
            running_job_metrics: false,
            cancel: None,
            savepoint: None,
            restore: None,
            set_job_id: None,
            checkpoint_overview: None,
            checkpoint_history: None,
            checkpoint_history_pipeline: None,
            checkpoint_history_limit: DEFAULT_CHECKPOINT_HISTORY_LIMIT,
            checkpoint_history_status: None,
            help: false,
            server_config: None,
            config_dir: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error("unknown option '{0}'; run `seatunnel.sh -h` for the list")]
    Unknown(String),
    #[error("unexpected argument '{0}'; options take one value each (quote values with spaces)")]
    Unexpected(String),
    #[error("option {0} needs a value")]
    MissingValue(String),
    #[error("option {flag} expects a non-negative whole number, got '{value}'")]
    BadNumber { flag: String, value: String },
    #[error("option {flag} expects a numeric job id, got '{value}'")]
    BadJobId { flag: String, value: String },
    #[error("option {flag} supports only [local, cluster], got '{value}'")]
    BadMaster { flag: String, value: String },
    #[error("option {flag} takes no value, got '{value}'")]
    NoValueExpected { flag: String, value: String },
    #[error("{0} needs -c/--config with the job file")]
    NeedsConfig(&'static str),
    #[error("not supported: {flag} with -m local; local mode runs one job in this process, use -m cluster to manage jobs on a cluster")]
    NotLocal { flag: &'static str },
}

/// What one invocation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Help,
    /// `--check`: parse the file and build the plan, submit nothing.
    Check(JobSpec),
    Encrypt(JobSpec),
    Decrypt(JobSpec),
    /// Inspect or stop jobs on the cluster.
    Control(Control),
    Submit(Submit),
}

/// The actions that only make sense against a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    List,
    RunningJobMetrics,
    JobDetail(i64),
    Cancel(Vec<i64>),
    Metrics(i64),
    Savepoint(i64),
    /// `--checkpoint-overview`.
    CheckpointOverview(i64),
    CheckpointHistory(HistoryQuery),
}

/// `--checkpoint-history ID` and its filters, sent as the history endpoint's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub job_id: i64,
    pub pipeline: Option<usize>,
    pub limit: usize,
    /// Passed on as given; the server checks it.
    pub status: Option<String>,
}

/// A job file and what fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    pub file: PathBuf,
    pub variables: Vec<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit {
    pub job: JobSpec,
    pub master: Master,
    pub id: SubmitId,
    /// Return once submitted (cluster mode only).
    pub detach: bool,
    /// Cancel the job when the client is interrupted while waiting.
    pub close_job: bool,
}

/// Which id a submitted job gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitId {
    Generated,
    /// `--set-job-id`.
    Custom(i64),
    /// `-r`: the same id again, restored from its latest checkpoint or savepoint.
    Restore(i64),
}

/// An action plus what the user should know about flags it ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub action: Action,
    pub warnings: Vec<String>,
}

/// Parses `seatunnel.sh` arguments. No arguments means `-h`, as the script does.
pub fn parse(args: &[String]) -> Result<ClientArgs, ArgError> {
    let mut out = ClientArgs::default();
    if args.is_empty() {
        out.help = true;
        return Ok(out);
    }
    let mut it = Cursor { args, pos: 0 };
    while let Some(raw) = it.next() {
        let (flag, inline) = match raw.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (raw.as_str(), None),
        };
        let value = |it: &mut Cursor| -> Result<String, ArgError> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.value(flag),
            }
        };
        match flag {
            "-c" | "--config" => out.config = Some(PathBuf::from(value(&mut it)?)),
            "-m" | "--master" | "-e" | "--deploy-mode" => {
                out.deprecated_deploy_mode |= matches!(flag, "-e" | "--deploy-mode");
                let v = value(&mut it)?;
                out.master = match v.to_ascii_lowercase().as_str() {
                    "local" => Master::Local,
                    "cluster" => Master::Cluster,
                    _ => {
                        return Err(ArgError::BadMaster {
                            flag: flag.into(),
                            value: v,
                        })
                    }
                };
            }
            "-n" | "--name" => out.name = Some(value(&mut it)?),
            "-i" | "--variable" => out.variables.push(value(&mut it)?),
            "-cn" | "--cluster" => out.cluster = Some(value(&mut it)?),
            "-j" | "--job-id" => out.job_id = Some(job_id(flag, &value(&mut it)?)?),
            "--metrics" => out.metrics = Some(job_id(flag, &value(&mut it)?)?),
            "-s" | "--savepoint" | "--savepoint-job" => {
                out.savepoint = Some(job_id(flag, &value(&mut it)?)?)
            }
            "-r" | "--restore" | "--restore-job" => {
                out.restore = Some(job_id(flag, &value(&mut it)?)?)
            }
            "--set-job-id" => out.set_job_id = Some(job_id(flag, &value(&mut it)?)?),
            "--checkpoint-overview" => {
                out.checkpoint_overview = Some(job_id(flag, &value(&mut it)?)?)
            }
            "--checkpoint-history" => {
                out.checkpoint_history = Some(job_id(flag, &value(&mut it)?)?)
            }
            "--checkpoint-history-pipeline" => {
                out.checkpoint_history_pipeline = Some(number(flag, &value(&mut it)?)?)
            }
            "--checkpoint-history-limit" => {
                out.checkpoint_history_limit = number(flag, &value(&mut it)?)?
            }
            "--checkpoint-history-status" => out.checkpoint_history_status = Some(value(&mut it)?),
            "-can" | "--cancel" | "--cancel-job" => {
                let mut ids = Vec::new();
                if let Some(v) = &inline {
                    ids.push(job_id(flag, v)?);
                }
                while let Some(v) = it.take_if(|a| !a.starts_with('-')) {
                    ids.push(job_id(flag, v)?);
                }
                if ids.is_empty() {
                    return Err(ArgError::MissingValue(flag.into()));
                }
                out.cancel.get_or_insert_with(Vec::new).extend(ids);
            }
            "--server-config" => out.server_config = Some(PathBuf::from(value(&mut it)?)),
            "--config-dir" => out.config_dir = Some(PathBuf::from(value(&mut it)?)),
            _ => {
                let slot = match flag {
                    "--check" => &mut out.check,
                    "--encrypt" => &mut out.encrypt,
                    "--decrypt" => &mut out.decrypt,
                    "--async" => &mut out.async_submit,
                    "-cj" | "--close" | "--close-job" => &mut out.close_job,
                    "-l" | "--list" => &mut out.list,
                    "--get_running_job_metrics" => &mut out.running_job_metrics,
                    "-h" | "--help" => &mut out.help,
                    _ if flag.starts_with('-') && flag.len() > 1 => {
                        return Err(ArgError::Unknown(raw.clone()))
                    }
                    _ => return Err(ArgError::Unexpected(raw.clone())),
                };
                *slot = match inline {
                    Some(v) => bool_value(flag, &v)?,
                    None => it
                        .take_if(|a| BOOL_VALUES.contains(&a.to_ascii_lowercase().as_str()))
                        .map(|v| v.eq_ignore_ascii_case("true"))
                        .unwrap_or(true),
                };
            }
        }
    }
    Ok(out)
}

struct Cursor<'a> {
    args: &'a [String],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Option<&'a String> {
        let a = self.args.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// The next argument as the value of `flag`. A value may start with `-` (a negative
    /// number, a file named `-x`), as JCommander allows for single-value options.
    fn value(&mut self, flag: &str) -> Result<String, ArgError> {
        self.next()
            .cloned()
            .ok_or_else(|| ArgError::MissingValue(flag.into()))
    }

    fn take_if(&mut self, want: impl Fn(&str) -> bool) -> Option<&'a String> {
        let a = self.args.get(self.pos).filter(|a| want(a))?;
        self.pos += 1;
        Some(a)
    }
}

fn job_id(flag: &str, value: &str) -> Result<i64, ArgError> {
    value.trim().parse().map_err(|_| ArgError::BadJobId {
        flag: flag.into(),
        value: value.into(),
    })
}

fn number(flag: &str, value: &str) -> Result<usize, ArgError> {
    value.trim().parse().map_err(|_| ArgError::BadNumber {
        flag: flag.into(),
        value: value.into(),
    })
}

fn bool_value(flag: &str, value: &str) -> Result<bool, ArgError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ArgError::NoValueExpected {
            flag: flag.into(),
            value: value.into(),
        }),
    }
}

impl ClientArgs {
    /// SeaTunnel's order: `--check`, `--encrypt` (wins over `--decrypt`), `--decrypt`; then `-l`,
    /// `--get_running_job_metrics`, `-j`, `-can`, `--metrics`, `-s`, `--checkpoint-overview`,
    /// `--checkpoint-history`; otherwise submit (`-r`
    /// restores, else `--set-job-id` or a new id). Flags a higher one makes pointless are named
    /// in the warnings instead of being silently dropped.
    pub fn action(&self) -> Result<Decided, ArgError> {
        let mut warnings = Vec::new();
        if self.deprecated_deploy_mode {
            warnings.push(
                "-e and --deploy-mode are deprecated since SeaTunnel 2.3.1; use -m and --master"
                    .to_string(),
            );
        }
        if self.help {
            return Ok(Decided {
                action: Action::Help,
                warnings,
            });
        }
        let spec = |what: &'static str| -> Result<JobSpec, ArgError> {
            Ok(JobSpec {
                file: self.config.clone().ok_or(ArgError::NeedsConfig(what))?,
                variables: self.variables.clone(),
                name: self.name.clone(),
            })
        };
        let mut chosen: Option<(&'static str, Action)> = None;
        let mut choose = |flag: &'static str,
                          on: bool,
                          make: &dyn Fn() -> Result<Action, ArgError>|
         -> Result<(), ArgError> {
            if !on {
                return Ok(());
            }
            match &chosen {
                Some((first, _)) => warnings.push(format!("{flag} is ignored: {first} is given")),
                None => chosen = Some((flag, make()?)),
            }
            Ok(())
        };
        choose("--check", self.check, &|| {
            Ok(Action::Check(spec("--check")?))
        })?;
        choose("--encrypt", self.encrypt, &|| {
            Ok(Action::Encrypt(spec("--encrypt")?))
        })?;
        choose("--decrypt", self.decrypt, &|| {
            Ok(Action::Decrypt(spec("--decrypt")?))
        })?;
        let local = self.master == Master::Local;
        let control = |flag: &'static str, c: Control| {
            if local {
                Err(ArgError::NotLocal { flag })
            } else {
                Ok(Action::Control(c))
            }
        };
        choose("-l", self.list, &|| control("-l", Control::List))?;
        choose(
            "--get_running_job_metrics",
            self.running_job_metrics,
            &|| control("--get_running_job_metrics", Control::RunningJobMetrics),
        )?;
        choose("-j", self.job_id.is_some(), &|| {
            control("-j", Control::JobDetail(self.job_id.unwrap_or_default()))
        })?;
        choose("-can", self.cancel.is_some(), &|| {
            control(
                "-can",
                Control::Cancel(self.cancel.clone().unwrap_or_default()),
            )
        })?;
        choose("--metrics", self.metrics.is_some(), &|| {
            control(
                "--metrics",
                Control::Metrics(self.metrics.unwrap_or_default()),
            )
        })?;
        choose("-s", self.savepoint.is_some(), &|| {
            control("-s", Control::Savepoint(self.savepoint.unwrap_or_default()))
        })?;
        choose(
            "--checkpoint-overview",
            self.checkpoint_overview.is_some(),
            &|| {
                control(
                    "--checkpoint-overview",
                    Control::CheckpointOverview(self.checkpoint_overview.unwrap_or_default()),
                )
            },
        )?;
        choose(
            "--checkpoint-history",
            self.checkpoint_history.is_some(),
            &|| {
                control(
                    "--checkpoint-history",
                    Control::CheckpointHistory(HistoryQuery {
                        job_id: self.checkpoint_history.unwrap_or_default(),
                        pipeline: self.checkpoint_history_pipeline,
                        limit: self.checkpoint_history_limit,
                        status: self.checkpoint_history_status.clone(),
                    }),
                )
            },
        )?;
        if let Some((_, action)) = chosen {
            return Ok(Decided { action, warnings });
        }
        let id = match (self.restore, self.set_job_id) {
            (Some(_), _) if local => return Err(ArgError::NotLocal { flag: "-r" }),
            (Some(r), custom) => {
                if custom.is_some() {
                    warnings
                        .push("--set-job-id is ignored: -r resubmits under the restored id".into());
                }
                SubmitId::Restore(r)
            }
            (None, Some(c)) => SubmitId::Custom(c),
            (None, None) => SubmitId::Generated,
        };
        if local && self.async_submit {
            warnings.push("--async is ignored: the job is running in local mode".into());
        }
        Ok(Decided {
            action: Action::Submit(Submit {
                job: spec("submitting a job")?,
                master: self.master,
                id,
                detach: self.async_submit && !local,
                close_job: self.close_job,
            }),
            warnings,
        })
    }
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
