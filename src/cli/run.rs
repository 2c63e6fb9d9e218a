//! `seatunnel run`: local mode. Loads the job, plans it, runs it on an embedded engine, prints
//! SeaTunnel's statistics table, and exits 0 exactly when the job FINISHED.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::{run_job, CheckpointSettings, JobControl, JobPlan};
use crate::job::{load_job_file, IdGenerator, JobConfig, JobStatus, Variables};
use crate::node::signals::{self, SignalEvent};

use crate::config::{self, EngineConfig, Role};

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
    let (engine, tags) = match config::load(Role::Hybrid, &sources) {
        Ok(loaded) => (
            loaded.server.engine,
            loaded.server.hazelcast.member_attributes,
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.encrypt || args.decrypt {
        return convert(&args.config, &args.variables, args.encrypt);
    }
    let (plan, checkpoint) = match build_plan(
        &args.config,
        &args.variables,
        args.name.as_deref(),
        args.job_id,
        &engine,
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let job_id = plan.job_id;
    // The embedded node is the job's only worker: it must have the slots and tags the job asks for.
    if let Err(why) =
        crate::scheduler::local::admit(job_id, &plan.config, &plan.dag, &engine, &tags)
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
    runtime.block_on(execute(
        plan,
        checkpoint,
        engine.print_job_metrics_info_interval,
    ))
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
    engine: &EngineConfig,
) -> Result<(Arc<JobPlan>, CheckpointSettings), String> {
    let vars = Variables::parse_args(variables).map_err(|e| e.to_string())?;
    let tree = load_job_file(file, &vars).map_err(|e| e.to_string())?;
    let config = JobConfig::from_tree(&tree).map_err(|e| e.to_string())?;
    let job_id = job_id.unwrap_or_else(|| IdGenerator::new(0).next_id());
    let job_name = config.job_name(name);
    let checkpoint = CheckpointSettings::for_job(
        &config.env,
        engine.checkpoint.interval,
        engine.checkpoint.timeout,
        engine.checkpoint.storage.max_retained,
        engine.checkpoint.min_pause,
    );
    let registry = crate::connectors::registry();
    let plan = JobPlan::build(job_id, job_name, config, &registry).map_err(|e| e.to_string())?;
    Ok((Arc::new(plan), checkpoint))
}

/// `--check` against a cluster: the job must load and plan; which node has the slots and tags
/// it asks for is the cluster's decision, so admission is not checked here.
pub(super) fn check_plan(file: &Path, variables: &[String], name: Option<&str>) -> ExitCode {
    match build_plan(file, variables, name, None, &EngineConfig::default()) {
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

async fn execute(
    plan: Arc<JobPlan>,
    checkpoint: CheckpointSettings,
    progress_every: Duration,
) -> ExitCode {
    let control = JobControl::new();
    let job_id = plan.job_id;
    tracing::info!(job_id, job_name = %plan.job_name, "submitting job in local mode");
    let mut signals = match signals::listen() {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(
                "cannot listen for signals ({e}); ctrl-c will not cancel the job cleanly"
            );
            None
        }
    };
    let mut job = tokio::spawn(run_job(plan, checkpoint, control.clone()));
    let progress_every = progress_every.max(Duration::from_secs(1));
    let mut progress =
        tokio::time::interval_at(tokio::time::Instant::now() + progress_every, progress_every);
    let outcome = loop {
        tokio::select! {
            done = &mut job => break done,
            Some(event) = async { signals.as_mut()?.recv().await }, if signals.is_some() => {
                if event == SignalEvent::Shutdown && !control.cancel.is_cancelled() {
                    tracing::warn!(job_id, "interrupted: cancelling the job");
                    control.cancel.cancel();
                }
            }
            _ = progress.tick() => {
                let m = control.metrics.snapshot();
                tracing::info!(job_id, status = %*control.status.borrow(), read = m.source_rows(), written = m.sink_rows(), "job progress");
            }
        }
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return fail(format!("job {job_id} crashed: {e}")),
    };
    tracing::info!(job_id, "Job ({job_id}) end with state {}", outcome.status);
    print!(
        "{}",
        job_statistics(
            &outcome.started,
            &outcome.finished,
            outcome.metrics.source_rows(),
            outcome.metrics.sink_rows()
        )
    );
    match outcome.status {
        JobStatus::Finished => ExitCode::SUCCESS,
        status => {
            let why = outcome.error.map(|e| format!(": {e}")).unwrap_or_default();
            fail(format!("job {job_id} ended {status}{why}"))
        }
    }
}
