//! Parsing `seatunnel client`'s SeaTunnel-style flags into one action: each flag, its aliases,
//! precedence between actions and the errors that name the flag.

use super::*;

fn p(args: &[&str]) -> Result<ClientArgs, ArgError> {
    parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn act(args: &[&str]) -> Decided {
    p(args).unwrap().action().unwrap()
}

fn spec(file: &str) -> JobSpec {
    JobSpec {
        file: file.into(),
        variables: vec![],
        name: None,
    }
}

#[test]
fn no_arguments_prints_help() {
    assert_eq!(act(&[]).action, Action::Help);
    assert_eq!(act(&["-h"]).action, Action::Help);
    assert_eq!(act(&["--help", "-c", "x"]).action, Action::Help);
}

#[test]
fn every_value_flag_is_read() {
    let a = p(&[
        "-c",
        "job.conf",
        "-m",
        "LOCAL",
        "-n",
        "demo",
        "-i",
        "a=1",
        "--variable",
        "b=2,c=3",
        "-cn",
        "prod",
        "--set-job-id",
        "42",
        "--server-config",
        "/etc/st/seatunnel.yaml",
        "--config-dir",
        "/etc/st/d",
    ])
    .unwrap();
    assert_eq!(a.config, Some("job.conf".into()));
    assert_eq!(a.master, Master::Local);
    assert!(!a.deprecated_deploy_mode);
    assert_eq!(a.name.as_deref(), Some("demo"));
    assert_eq!(a.variables, vec!["a=1", "b=2,c=3"]);
    assert_eq!(a.cluster.as_deref(), Some("prod"));
    assert_eq!(a.set_job_id, Some(42));
    assert_eq!(a.server_config, Some("/etc/st/seatunnel.yaml".into()));
    assert_eq!(a.config_dir, Some("/etc/st/d".into()));
    let a = p(&["-j", "1", "--metrics", "2", "-s", "3", "-r", "4"]).unwrap();
    assert_eq!(
        (a.job_id, a.metrics, a.savepoint, a.restore),
        (Some(1), Some(2), Some(3), Some(4))
    );
    let a = p(&[
        "--job-id",
        "5",
        "--savepoint-job",
        "6",
        "--restore-job",
        "7",
        "--config=f.json",
    ])
    .unwrap();
    assert_eq!(
        (a.job_id, a.savepoint, a.restore),
        (Some(5), Some(6), Some(7))
    );
    assert_eq!(a.config, Some("f.json".into()));
}

#[test]
fn booleans_take_an_optional_true_or_false() {
    let a = p(&[
        "--check",
        "--encrypt",
        "--decrypt",
        "--async",
        "-l",
        "--get_running_job_metrics",
    ])
    .unwrap();
    assert!(a.check && a.encrypt && a.decrypt && a.async_submit && a.list && a.running_job_metrics);
    assert!(p(&[]).unwrap().close_job, "close-job defaults to true");
    assert!(!p(&["-cj", "false"]).unwrap().close_job);
    assert!(!p(&["--close-job", "FALSE", "-c", "x"]).unwrap().close_job);
    assert!(p(&["-cj", "-c", "x"]).unwrap().close_job);
    assert!(!p(&["--close=false"]).unwrap().close_job);
    assert!(!p(&["--async", "false"]).unwrap().async_submit);
    assert_eq!(
        p(&["--async=maybe"]).unwrap_err().to_string(),
        "option --async takes no value, got 'maybe'"
    );
}

#[test]
fn deploy_mode_alias_warns() {
    let a = p(&["-e", "local", "-c", "j.conf"]).unwrap();
    assert_eq!(a.master, Master::Local);
    let d = a.action().unwrap();
    assert!(
        d.warnings[0].contains("-e and --deploy-mode are deprecated"),
        "{:?}",
        d.warnings
    );
    assert!(
        p(&["--deploy-mode", "cluster"])
            .unwrap()
            .deprecated_deploy_mode
    );
    assert_eq!(
        p(&["-m", "yarn"]).unwrap_err(),
        ArgError::BadMaster {
            flag: "-m".into(),
            value: "yarn".into()
        }
    );
}

#[test]
fn cancel_takes_every_following_id() {
    let a = p(&["-can", "1", "2", "3", "-cn", "x"]).unwrap();
    assert_eq!(a.cancel, Some(vec![1, 2, 3]));
    assert_eq!(a.cluster.as_deref(), Some("x"));
    assert_eq!(p(&["--cancel-job", "9"]).unwrap().cancel, Some(vec![9]));
    assert_eq!(
        p(&["--cancel", "9", "-can", "10"]).unwrap().cancel,
        Some(vec![9, 10])
    );
    assert_eq!(
        act(&["-can", "7", "8"]).action,
        Action::Control(Control::Cancel(vec![7, 8]))
    );
    assert_eq!(
        p(&["-can"]).unwrap_err(),
        ArgError::MissingValue("-can".into())
    );
    assert_eq!(
        p(&["-can", "-l"]).unwrap_err(),
        ArgError::MissingValue("-can".into())
    );
    assert_eq!(
        p(&["-can", "12", "x1"]).unwrap_err().to_string(),
        "option -can expects a numeric job id, got 'x1'"
    );
}

#[test]
fn errors_name_the_flag() {
    assert_eq!(
        p(&["-c"]).unwrap_err().to_string(),
        "option -c needs a value"
    );
    assert_eq!(
        p(&["-j", "abc"]).unwrap_err().to_string(),
        "option -j expects a numeric job id, got 'abc'"
    );
    assert_eq!(
        p(&["--set-job-id", "1.5"]).unwrap_err(),
        ArgError::BadJobId {
            flag: "--set-job-id".into(),
            value: "1.5".into()
        }
    );
    assert_eq!(p(&["-x"]).unwrap_err(), ArgError::Unknown("-x".into()));
    assert_eq!(
        p(&["--nope=1"]).unwrap_err(),
        ArgError::Unknown("--nope=1".into())
    );
    assert_eq!(
        p(&["job.conf"]).unwrap_err(),
        ArgError::Unexpected("job.conf".into())
    );
    assert_eq!(p(&["-"]).unwrap_err(), ArgError::Unexpected("-".into()));
    assert_eq!(
        p(&["--check"]).unwrap().action().unwrap_err().to_string(),
        "--check needs -c/--config with the job file"
    );
    assert_eq!(
        p(&["-n", "x"]).unwrap().action().unwrap_err(),
        ArgError::NeedsConfig("submitting a job")
    );
}

#[test]
fn submit_modes() {
    let d = act(&["-c", "j.conf", "-i", "a=1", "-n", "n"]);
    assert_eq!(
        d.action,
        Action::Submit(Submit {
            job: JobSpec {
                file: "j.conf".into(),
                variables: vec!["a=1".into()],
                name: Some("n".into())
            },
            master: Master::Cluster,
            id: SubmitId::Generated,
            detach: false,
            close_job: true,
        })
    );
    assert!(d.warnings.is_empty());
    let submit = |args: &[&str]| match act(args).action {
        Action::Submit(s) => s,
        other => panic!("{other:?}"),
    };
    assert!(submit(&["-c", "j", "--async"]).detach);
    assert_eq!(
        submit(&["-c", "j", "--set-job-id", "5"]).id,
        SubmitId::Custom(5)
    );
    assert_eq!(submit(&["-c", "j", "-r", "6"]).id, SubmitId::Restore(6));
    let d = act(&["-c", "j", "-r", "6", "--set-job-id", "5"]);
    assert!(d.warnings[0].contains("--set-job-id is ignored"));
    let d = act(&["-c", "j", "-m", "local", "--async"]);
    match d.action {
        Action::Submit(s) => assert!(!s.detach && s.master == Master::Local),
        other => panic!("{other:?}"),
    }
    assert!(d.warnings[0].contains("--async is ignored"));
    assert_eq!(
        p(&["-c", "j", "-m", "local", "-r", "1"])
            .unwrap()
            .action()
            .unwrap_err(),
        ArgError::NotLocal { flag: "-r" }
    );
}

#[test]
fn seatunnel_precedence_between_actions() {
    assert_eq!(
        act(&["--check", "--encrypt", "-c", "j"]).action,
        Action::Check(spec("j"))
    );
    let d = act(&["--decrypt", "--encrypt", "-c", "j"]);
    assert_eq!(d.action, Action::Encrypt(spec("j")));
    assert_eq!(d.warnings, vec!["--decrypt is ignored: --encrypt is given"]);
    assert_eq!(
        act(&["--decrypt", "-c", "j"]).action,
        Action::Decrypt(spec("j"))
    );
    assert_eq!(
        act(&["-l", "-j", "1"]).action,
        Action::Control(Control::List)
    );
    assert_eq!(
        act(&["-j", "1", "--get_running_job_metrics"]).action,
        Action::Control(Control::RunningJobMetrics)
    );
    assert_eq!(
        act(&["-can", "2", "-j", "1"]).action,
        Action::Control(Control::JobDetail(1))
    );
    assert_eq!(
        act(&["--metrics", "3", "-can", "2"]).action,
        Action::Control(Control::Cancel(vec![2]))
    );
    assert_eq!(
        act(&["-s", "4", "--metrics", "3"]).action,
        Action::Control(Control::Metrics(3))
    );
    assert_eq!(
        act(&["-s", "4", "-c", "j"]).action,
        Action::Control(Control::Savepoint(4))
    );
    // A file is not needed to inspect or control jobs.
    assert_eq!(
        act(&["--metrics", "3"]).action,
        Action::Control(Control::Metrics(3))
    );
    // Checks and conversions work locally; job control needs a cluster.
    assert_eq!(
        act(&["--check", "-c", "j", "-m", "local"]).action,
        Action::Check(spec("j"))
    );
    assert_eq!(
        p(&["-l", "-m", "local"]).unwrap().action().unwrap_err().to_string(),
        "not supported: -l with -m local; local mode runs one job in this process, use -m cluster to manage jobs on a cluster"
    );
}

#[test]
fn checkpoint_inspection_flags_follow_seatunnel_3() {
    assert_eq!(
        act(&["--checkpoint-overview", "7"]).action,
        Action::Control(Control::CheckpointOverview(7))
    );
    assert_eq!(
        act(&["--checkpoint-history", "7"]).action,
        Action::Control(Control::CheckpointHistory(HistoryQuery {
            job_id: 7,
            pipeline: None,
            limit: DEFAULT_CHECKPOINT_HISTORY_LIMIT,
            status: None,
        }))
    );
    assert_eq!(
        act(&[
            "--checkpoint-history-limit=3",
            "--checkpoint-history",
            "7",
            "--checkpoint-history-pipeline",
            "2",
            "--checkpoint-history-status",
            "FAILED",
        ])
        .action,
        Action::Control(Control::CheckpointHistory(HistoryQuery {
            job_id: 7,
            pipeline: Some(2),
            limit: 3,
            status: Some("FAILED".into()),
        }))
    );
    // -j comes first; the overview is then part of what -j prints.
    let d = act(&["--checkpoint-overview", "7", "-j", "7"]);
    assert_eq!(d.action, Action::Control(Control::JobDetail(7)));
    assert_eq!(
        d.warnings,
        vec!["--checkpoint-overview is ignored: -j is given"]
    );
    assert_eq!(
        p(&["--checkpoint-history-limit", "many"]).unwrap_err(),
        ArgError::BadNumber {
            flag: "--checkpoint-history-limit".into(),
            value: "many".into()
        }
    );
    assert_eq!(
        p(&["--checkpoint-overview", "7", "-m", "local"])
            .unwrap()
            .action()
            .unwrap_err(),
        ArgError::NotLocal {
            flag: "--checkpoint-overview"
        }
    );
}
