//! The `seatunnel` command line: one binary, role subcommands, and local mode.
//!
//! Exit codes: 0 success; 1 a job that did not FINISH or a bad job file (SeaTunnel's client exits
//! 1); 78 (`EX_CONFIG`) a bad server configuration (or a master on a copy of a live master's
//! data dir); 74 (`EX_IOERR`) a master whose Raft stopped
//! on a storage error (a full or failing disk); 70 (`EX_SOFTWARE`) a server that failed after
//! its configuration was accepted; 2 a usage error (clap). systemd restarts every non-zero exit
//! but 78.

pub mod client;
mod cluster_cmd;
mod config_cmd;
mod manpage;
mod report;
mod run;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use report::{format_table, job_statistics};

/// `EX_CONFIG` from sysexits.h: systemd and operators read it as "fix the configuration".
pub const EXIT_CONFIG: u8 = 78;
/// SeaTunnel's client exit code for a job that failed or could not be submitted.
pub const EXIT_JOB_FAILED: u8 = 1;
/// `EX_SOFTWARE`: a server failed after its configuration was accepted.
pub const EXIT_SOFTWARE: u8 = 70;
/// `EX_IOERR`: a master's Raft stopped on a storage error (a full or failing disk). Kept apart
/// from 78 on purpose: systemd restarts it (`Restart=on-failure`), which is what brings the
/// master back once space was freed.
pub const EXIT_STORAGE: u8 = 74;

#[derive(Debug, Parser)]
#[command(
    name = "seatunnel",
    version,
    about = "Apache SeaTunnel's Zeta engine, in Rust",
    long_about = "Apache SeaTunnel's Zeta engine, in Rust: one binary for every role of a \
        SeaTunnel cluster. It reads SeaTunnel's own configuration files (seatunnel.yaml and the \
        hazelcast files) and HOCON or JSON job files unchanged.\n\n\
        In separated cluster mode, masters (`seatunnel master`, the seatunnel-master service) \
        hold the cluster state, replicated with Raft, and workers (`seatunnel worker`, the \
        seatunnel-worker service) run the jobs' tasks. Every node serves SeaTunnel's REST API \
        V2. `seatunnel run` runs one job locally and `seatunnel client` is SeaTunnel's \
        seatunnel.sh."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a master: coordinator and cluster state (separated cluster mode)
    Master(ServerArgs),
    /// Run a worker: executes task groups, holds no cluster state (separated cluster mode)
    Worker(ServerArgs),
    /// Run master and worker in one process (SeaTunnel's master_and_worker), with the REST API
    Hybrid(ServerArgs),
    /// Run a job in local mode: an embedded node runs it and the process exits with its result
    Run(RunArgs),
    /// SeaTunnel's `seatunnel.sh` client: submit and manage jobs with its flags (`client -h`)
    #[command(disable_help_flag = true)]
    Client(ClientCliArgs),
    /// Check or show the server configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Ask a running node about its cluster
    #[command(subcommand)]
    Cluster(cluster_cmd::ClusterCommand),
    /// Write the manual pages (seatunnel.1 and one per subcommand) into a directory; used when
    /// building the packages
    #[command(hide = true)]
    Manpage {
        /// Directory to write the pages into (created if missing)
        #[arg(long)]
        dir: PathBuf,
    },
}

/// `seatunnel client` takes `seatunnel.sh` flags verbatim; they are parsed by
/// [`client::parse`], since clap cannot express `-can`, `-cn` or `-cj`.
#[derive(Debug, Args)]
pub struct ClientCliArgs {
    #[arg(
        num_args = 0..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "SEATUNNEL.SH FLAGS"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load every file a role reads and report problems (exit 78 on a bad config)
    Check {
        /// master, worker or master_and_worker (also: hybrid)
        #[arg(long, default_value = "master_and_worker")]
        role: String,
        /// Print nothing when the configuration is valid, apart from its warnings (for
        /// ExecStartPre=, whose output lands in the journal at every start)
        #[arg(long, short = 'q')]
        quiet: bool,
        /// The files are for another machine (rendered elsewhere): do not require a
        /// member-list entry naming this machine
        #[arg(long)]
        for_another_host: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Print the effective configuration of a role
    Show {
        /// master, worker or master_and_worker (also: hybrid)
        #[arg(long, default_value = "master_and_worker")]
        role: String,
        /// Say where each value came from (default, file and line, environment, command line)
        #[arg(long)]
        origin: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Server configuration flags shared by the role commands.
#[derive(Debug, Clone, Args, Default)]
pub struct ServerArgs {
    /// The seatunnel.yaml to read; its directory holds the hazelcast files (also: SEATUNNEL_CONFIG)
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The drop-in directory (default: seatunnel.d beside seatunnel.yaml)
    #[arg(long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Override one key, e.g. --set seatunnel.engine.http.port=8081 (repeatable, applied last)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Where a master keeps its state (default: $STATE_DIRECTORY, else /var/lib/seatunnel/<role>)
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Write job-<jobId>.log per job here, served by /logs (default: $LOGS_DIRECTORY from systemd)
    #[arg(long = "log-dir", value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

impl ServerArgs {
    /// The job log directory: `--log-dir`, else `$LOGS_DIRECTORY`, else none.
    pub fn log_dir(&self) -> Option<PathBuf> {
        let env = std::env::var("LOGS_DIRECTORY").ok();
        crate::telemetry::resolve_log_dir(self.log_dir.as_deref(), env.as_deref())
    }

    /// The config sources these flags and the process environment describe.
    pub fn sources(&self) -> Result<crate::config::ConfigSources, String> {
        let mut sources = crate::config::ConfigSources::from_process_env();
        sources.config_file = self.config.clone();
        sources.config_dir = self.config_dir.clone();
        for item in &self.set {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("--set expects KEY=VALUE, got '{item}'"))?;
            sources
                .overrides
                .push((k.trim().to_string(), v.to_string()));
        }
        Ok(sources)
    }
}

/// Where local mode's engine configuration comes from (default: /etc/seatunnel, or
/// $SEATUNNEL_HOME/config; missing files mean built-in defaults).
#[derive(Debug, Clone, Args, Default)]
pub struct ConfigLocation {
    /// The seatunnel.yaml to read (also: SEATUNNEL_CONFIG)
    #[arg(long = "server-config", value_name = "FILE")]
    pub server_config: Option<PathBuf>,
    /// The drop-in directory (default: seatunnel.d beside seatunnel.yaml)
    #[arg(long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job file: .conf/.config (HOCON) or .json
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: PathBuf,
    /// Job variable k=v (repeatable; several may be joined with ','), filling ${k} in the job file
    #[arg(short = 'i', long = "variable", value_name = "K=V")]
    pub variables: Vec<String>,
    /// Job name (default: env.job.name, else SeaTunnel_Job)
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Deploy mode; this command runs jobs locally
    #[arg(
        short = 'm',
        long = "master",
        visible_alias = "deploy-mode",
        default_value = "local"
    )]
    pub master: String,
    /// Use this job id instead of a generated one
    #[arg(long = "set-job-id", value_name = "ID")]
    pub job_id: Option<i64>,
    /// Check the job file and plan, then exit without running
    #[arg(long)]
    pub check: bool,
    /// Print the job with sensitive options encoded by env.shade.identifier, then exit
    #[arg(long)]
    pub encrypt: bool,
    /// Print the job with sensitive options decoded, then exit
    #[arg(long)]
    pub decrypt: bool,
    #[command(flatten)]
    pub location: ConfigLocation,
}

impl Command {
    /// The journal's SYSLOG_IDENTIFIER for this command.
    pub fn log_identifier(&self) -> &'static str {
        match self {
            Command::Master(_) => "seatunnel-master",
            Command::Worker(_) => "seatunnel-worker",
            Command::Hybrid(_) => "seatunnel-server",
            Command::Run(_) | Command::Client(_) => "seatunnel-client",
            Command::Config(_) | Command::Cluster(_) | Command::Manpage { .. } => "seatunnel",
        }
    }

    /// The log filter when `RUST_LOG` is unset.
    pub fn default_log_filter(&self) -> &'static str {
        match self {
            Command::Run(_) => crate::telemetry::LOCAL_FILTER,
            _ => crate::telemetry::DEFAULT_FILTER,
        }
    }

    /// Where this command writes per-job log files: server roles only.
    pub fn job_log_dir(&self) -> Option<PathBuf> {
        match self {
            Command::Master(a) | Command::Worker(a) | Command::Hybrid(a) => a.log_dir(),
            _ => None,
        }
    }
}

/// A tokio runtime for a command; on failure prints why and gives the command's `exit` code.
fn runtime(multi_thread: bool, exit: u8) -> Result<tokio::runtime::Runtime, ExitCode> {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().map_err(|e| {
        eprintln!("error: cannot start the runtime: {e}");
        ExitCode::from(exit)
    })
}

pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Master(args) => server::run(crate::config::Role::Master, args),
        Command::Worker(args) => server::run(crate::config::Role::Worker, args),
        Command::Hybrid(args) => server::run(crate::config::Role::Hybrid, args),
        Command::Run(args) => run::run(args),
        Command::Client(args) => client::run(&args.args),
        Command::Config(cmd) => config_cmd::run(cmd),
        Command::Cluster(cmd) => cluster_cmd::run(cmd),
        Command::Manpage { dir } => manpage::run(&dir),
    }
}
