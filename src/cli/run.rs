//! `seatunnel run`: local mode. Loads the job, plans it, runs it on an embedded node, prints
//! SeaTunnel's statistics table, and exits 0 exactly when the job FINISHED.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local};
use serde_json::Value as Json;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::config::{self, LoadedConfig, Role};
use crate::coordinator::{JobInfo, JobManager, SubmitRequest};
use crate::engine::JobPlan;
use crate::job::{load_job_file, IdGenerator, JobConfig, JobStatus, Variables};
use crate::node::embedded::EmbeddedNode;
use crate::node::signals::{self, SignalEvent};

use super::{job_statistics, RunArgs, EXIT_CONFIG, EXIT_JOB_FAILED};

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_JOB_FAILED)
}

pub fn run(args: RunArgs) -> ExitCode {
    if !args.master.eq_ignore_ascii_case("local") {
        return fail(format!(
            "not supported: --master {}; `seatunnel run` runs jobs locally, submit to a cluster with `seatunnel client -c FILE` (seatunnel.sh)",
            args.master
        ));
    }
    // Local mode is an embedded hybrid node: it reads the same seatunnel.yaml a server would.
    let mut sources = config::ConfigSources::from_process_env();
    sources.config_file = args.location.server_config.clone();
    sources.config_dir = args.location.config_dir.clone();
    let loaded = match config::load(Role::Hybrid, &sources) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.encrypt || args.decrypt {
        return convert(&args.config, &args.variables, args.encrypt);
    }
    let engine = &loaded.server.engine;
    let (plan, tree) = match build_plan(
        &args.config,
        &args.variables,
        args.name.as_deref(),
        args.job_id,
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let job_id = plan.job_id;
    // The embedded node is the job's only worker: it must have the slots and tags the job asks
    // for, or the driver would wait for a worker that never comes.
    let tags = &loaded.server.hazelcast.member_attributes;
    if let Err(why) = crate::scheduler::local::admit(job_id, &plan.config, &plan.dag, engine, tags)
    {
        return fail(format!("job {job_id} ended FAILED: {why}"));
    }
    if args.check {
        return report_valid(&args.config, &plan);
    }
    let runtime = match super::runtime(true, EXIT_JOB_FAILED) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let progress_every = engine.print_job_metrics_info_interval;
    let submit = SubmitRequest {
        tree,
        job_id: Some(job_id),
        job_name: Some(plan.job_name.clone()),
        start_with_savepoint: false,
    };
    runtime.block_on(execute(loaded, submit, progress_every))
}

/// `--encrypt`/`--decrypt`: prints the job with its sensitive options (de)coded by
/// `env.shade.identifier`. Variables are applied; nothing runs.
pub(super) fn convert(file: &Path, variables: &[String], encrypt: bool) -> ExitCode {
    let vars = match Variables::parse_args(variables) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    // Secrets stay as written while converting: loading would decrypt them first.
    let tree = match crate::job::load::parse_job_file(file, &vars) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let converted = if encrypt {
        crate::job::encrypt_job(&tree)
    } else {
        crate::job::decrypt_job(&tree)
    };
    match converted {
        Ok(t) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&t).expect("json values serialize")
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Loads the job file with its variables and plans it against the built-in connectors, as a
/// node would on submit. Every error names the file, plugin or key.
pub(super) fn build_plan(
    file: &Path,
    variables: &[String],
    name: Option<&str>,
    job_id: Option<i64>,
) -> Result<(Arc<JobPlan>, Json), String> {
    let vars = Variables::parse_args(variables).map_err(|e| e.to_string())?;
    let tree = load_job_file(file, &vars).map_err(|e| e.to_string())?;
    let config = JobConfig::from_tree(&tree).map_err(|e| e.to_string())?;
    let job_id = job_id.unwrap_or_else(|| IdGenerator::new(0).next_id());
    let job_name = config.job_name(name);
    let registry = crate::connectors::registry();
    let plan = JobPlan::build(job_id, job_name, config, &registry).map_err(|e| e.to_string())?;
    Ok((Arc::new(plan), tree))
}

/// `--check` against a cluster: the job must load and plan; which node has the slots and tags
/// it asks for is the cluster's decision, so admission is not checked here.
pub(super) fn check_plan(file: &Path, variables: &[String], name: Option<&str>) -> ExitCode {
    match build_plan(file, variables, name, None) {
        Ok((plan, _)) => report_valid(file, &plan),
        Err(e) => fail(e),
    }
}

fn report_valid(file: &Path, plan: &JobPlan) -> ExitCode {
    println!(
        "job file {} is valid: {} pipeline(s)",
        file.display(),
        plan.dag.pipeline_count
    );
    ExitCode::SUCCESS
}

/// Runs the job on an embedded node (the cluster's own driver, one member in this process),
/// reports progress, cancels on SIGINT/SIGTERM, and prints SeaTunnel's statistics table.
async fn execute(
    loaded: LoadedConfig,
    submit: SubmitRequest,
    progress_every: Duration,
) -> ExitCode {
    // Before the node starts, and until it stopped: every ctrl-c is ours to handle.
    let mut signals = match signals::listen() {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(
                "cannot listen for signals ({e}); ctrl-c will not cancel the job cleanly"
            );
            None
        }
    };
    let registry = std::sync::Arc::new(crate::connectors::registry());
    let started = tokio::select! {
        started = EmbeddedNode::start(loaded, registry) => started,
        _ = interrupted(&mut signals) => {
            return fail("interrupted while the local engine started; no job was submitted");
        }
    };
    let node = match started {
        Ok(n) => n,
        Err(e) => return fail(format!("cannot start the local engine: {e}")),
    };
    let code = drive(node.jobs(), submit, progress_every, &mut signals).await;
    // A second ctrl-c does not wait for the drain; the node's data dir goes either way.
    tokio::select! {
        _ = node.stop() => {}
        _ = interrupted(&mut signals) => {
            tracing::warn!("interrupted again: not waiting for the local engine to drain");
        }
    }
    code
}

/// Resolves at the next SIGINT/SIGTERM; never without a signal listener.
async fn interrupted(signals: &mut Option<UnboundedReceiver<SignalEvent>>) {
    loop {
        match signals.as_mut() {
            Some(rx) => match rx.recv().await {
                Some(SignalEvent::Shutdown) => return,
                Some(_) => {}
                None => std::future::pending::<()>().await,
            },
            None => std::future::pending::<()>().await,
        }
    }
}

async fn drive(
    jobs: &JobManager,
    submit: SubmitRequest,
    progress_every: Duration,
    signals: &mut Option<UnboundedReceiver<SignalEvent>>,
) -> ExitCode {
    let (job_id, job_name) = match jobs.submit(submit).await {
        Ok(id) => id,
        Err(e) => return fail(e),
    };
    tracing::info!(job_id, job_name = %job_name, "running the job in local mode");
    let ended = jobs.wait(job_id);
    tokio::pin!(ended);
    let progress_every = progress_every.max(Duration::from_secs(1));
    let mut progress =
        tokio::time::interval_at(tokio::time::Instant::now() + progress_every, progress_every);
    let mut cancelled = false;
    let finished = loop {
        tokio::select! {
            done = &mut ended => break done,
            _ = interrupted(signals), if !cancelled => {
                tracing::warn!(job_id, "interrupted: cancelling the job");
                cancelled = true;
                if let Err(e) = jobs.stop(job_id, false).await {
                    tracing::warn!(job_id, "cannot cancel the job: {e}");
                }
            }
            _ = progress.tick() => {
                if let Some(JobInfo::Running(view)) = jobs.job_info(job_id) {
                    tracing::info!(job_id, status = %view.status, read = view.metrics.source_rows(), written = view.metrics.sink_rows(), "job progress");
                }
            }
        }
    };
    let Some(finished) = finished else {
        return fail(format!(
            "job {job_id} ended but its end was not recorded; see the lines above"
        ));
    };
    tracing::info!(job_id, "Job ({job_id}) end with state {}", finished.status);
    print!(
        "{}",
        job_statistics(
            &local_time(finished.create_time_ms),
            &local_time(finished.finish_time_ms),
            finished.metrics.source_rows(),
            finished.metrics.sink_rows()
        )
    );
    match finished.status {
        JobStatus::Finished => ExitCode::SUCCESS,
        status => {
            let why = finished
                .error
                .as_ref()
                .filter(|e| !e.is_empty())
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            fail(format!("job {job_id} ended {status}{why}"))
        }
    }
}

/// A recorded time (ms since the epoch) in the local zone, as the statistics table prints it.
fn local_time(ms: i64) -> DateTime<Local> {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&Local))
        .unwrap_or_else(Local::now)
}
