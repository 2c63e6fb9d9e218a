//! `seatunnel client`: SeaTunnel's `seatunnel.sh` client, flag for flag. `-m local` and the file
//! actions (`--check`, `--encrypt`, `--decrypt`) share `seatunnel run`'s code; every other action
//! talks REST V2 to the members `hazelcast-client.yaml` lists.
//!
//! Exit codes: 0 success (a submitted job FINISHED); 1 the job did not finish, a request failed
//! or no member answered; 2 a usage error; 78 a bad client configuration.

mod args;
mod cluster;
mod rest;
mod usage;

use std::path::PathBuf;
use std::process::ExitCode;

pub use args::{parse, Action, ArgError, ClientArgs, Control, JobSpec, Master, Submit, SubmitId};
pub use cluster::Remote;
pub use rest::{RestClient, RestError, RetryPolicy};
pub use usage::USAGE;

use crate::config::{self, ConfigSources, EffectiveKey, LoadedClientConfig};

use super::{run, ConfigLocation, RunArgs, EXIT_CONFIG};

/// Usage errors exit like clap's do elsewhere in this binary.
const EXIT_USAGE: u8 = 2;
/// The key holding the member list, as config origins name it.
const MEMBERS_KEY: &str = "hazelcast-client.network.cluster-members";
/// SeaTunnel's client configuration file name.
const CLIENT_FILE: &str = "hazelcast-client.yaml";

/// Runs `seatunnel client ARGS…`.
pub fn run(raw: &[String]) -> ExitCode {
    let parsed = match args::parse(raw) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let decided = match parsed.action() {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    for w in &decided.warnings {
        eprintln!("warning: {w}");
    }
    let location = ConfigLocation {
        server_config: parsed.server_config.clone(),
        config_dir: parsed.config_dir.clone(),
    };
    let local = parsed.master == Master::Local;
    match decided.action {
        Action::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Action::Encrypt(spec) => run::convert(&spec.file, &spec.variables, true),
        Action::Decrypt(spec) => run::convert(&spec.file, &spec.variables, false),
        // Locally, --check also asks whether the embedded node could run the job.
        Action::Check(spec) if local => run::run(local_args(spec, None, true, location)),
        Action::Check(spec) => run::check_plan(&spec.file, &spec.variables, spec.name.as_deref()),
        Action::Submit(s) if s.master == Master::Local => {
            let id = match s.id {
                SubmitId::Custom(id) => Some(id),
                SubmitId::Generated | SubmitId::Restore(_) => None,
            };
            run::run(local_args(s.job, id, false, location))
        }
        Action::Submit(s) => on_cluster(Remote::Submit(s), &parsed, &location),
        Action::Control(c) => on_cluster(Remote::Control(c), &parsed, &location),
    }
}

fn usage_error(e: ArgError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(EXIT_USAGE)
}

/// What `seatunnel run` is given for a local job.
fn local_args(job: JobSpec, job_id: Option<i64>, check: bool, location: ConfigLocation) -> RunArgs {
    RunArgs {
        config: job.file,
        variables: job.variables,
        name: job.name,
        master: "local".into(),
        job_id,
        check,
        encrypt: false,
        decrypt: false,
        location,
    }
}

fn on_cluster(remote: Remote, parsed: &ClientArgs, location: &ConfigLocation) -> ExitCode {
    if let Some(name) = &parsed.cluster {
        // REST V2 has no cluster name to check: the addresses pick the cluster.
        tracing::debug!(cluster = %name, "-cn given; members come from the client config");
    }
    let mut sources = ConfigSources::from_process_env();
    sources.config_file = location.server_config.clone();
    sources.config_dir = location.config_dir.clone();
    let loaded = match config::load_client(&sources) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut rest = RestClient::new(
        loaded.client.targets(),
        members_origin(&loaded, &sources),
        RetryPolicy::from_config(&loaded.client),
    )
    .with_credentials(loaded.client.http_basic_auth.as_ref());
    let runtime = match super::runtime(false, super::EXIT_JOB_FAILED) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let interval = loaded.client.print_job_metrics_info_interval;
    cluster::exit_code(runtime.block_on(cluster::execute(&mut rest, remote, interval)))
}

/// Where the member list came from: the file and line, `ST_DOCKER_MEMBER_LIST`, or the default
/// (then naming the file that would have set it, so the operator knows what to write).
fn members_origin(loaded: &LoadedClientConfig, sources: &ConfigSources) -> String {
    let key: Option<&EffectiveKey> = loaded
        .origins
        .iter()
        .find(|k| k.path == MEMBERS_KEY || k.path.starts_with(&format!("{MEMBERS_KEY}.")));
    if let Some(k) = key.filter(|k| k.source != config::Source::Default) {
        return k.location().to_string();
    }
    let file = sources
        .env
        .get(config::ENV_HAZELCAST_CLIENT_CONFIG)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| sources.config_base().join(CLIENT_FILE));
    if loaded.files.contains(&file) {
        format!("the built-in default ({} sets none)", file.display())
    } else {
        format!("the built-in default ({} does not exist)", file.display())
    }
}
