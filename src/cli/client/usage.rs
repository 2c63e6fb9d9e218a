//! What `seatunnel.sh -h` prints: SeaTunnel's options, then ours.

/// The text `-h` prints.
pub const USAGE: &str = "\
Usage: seatunnel.sh [options]
  Options:
    --async                         Run the job asynchronously: exit once it is submitted
                                    (default: false)
    -can, --cancel-job ID...        Cancel the jobs with these ids
    --check                         Check the job file and build its plan; submit nothing
                                    (default: false)
    --checkpoint-history ID         Print the job's checkpoint history as JSON, newest first
    --checkpoint-history-limit N    At most N entries (default: 20)
    --checkpoint-history-pipeline N Only pipeline N's checkpoints
    --checkpoint-history-status S   Only COMPLETED, FAILED or CANCELED checkpoints
    --checkpoint-overview ID        Print the job's checkpoint overview as JSON: counts, the
                                    latest completed, failed and savepoint checkpoints
    -cj, --close-job [true|false]   Cancel the job when the client is interrupted while it
                                    waits (default: true)
    -cn, --cluster NAME             The name of the cluster
    -c, --config FILE               The job file: .conf/.config (HOCON) or .json
    --decrypt                       Print the job file with sensitive options decoded; when
                                    --encrypt is given too, only --encrypt takes effect
    --encrypt                       Print the job file with sensitive options encoded by
                                    env.shade.identifier
    -m, --master, -e, --deploy-mode local|cluster
                                    Where the job runs (default: cluster); -e and
                                    --deploy-mode are deprecated
    --get_running_job_metrics       Print the metrics of every running job
    -h, --help                      Show this message
    -j, --job-id ID                 Print the job's status as JSON, with its checkpoint
                                    overview where the cluster keeps one
    -l, --list                      List jobs, running and finished, newest first
    --metrics ID                    Print the job's metrics as JSON
    -n, --name NAME                 The job name (default: env.job.name, else SeaTunnel_Job)
    -r, --restore ID                Resubmit -c FILE under job id ID, restoring its latest
                                    checkpoint or savepoint
    -s, --savepoint ID              Stop the job after taking a savepoint
    --set-job-id ID                 Submit with this numeric job id
    -i, --variable K=V              Fill ${K} in the job file (repeatable; K=V,K2=V2 allowed)
  seatunnel-rs options:
    --server-config FILE            The seatunnel.yaml to read; hazelcast-client.yaml is found
                                    beside it (default: $SEATUNNEL_HOME/config, else
                                    /etc/seatunnel; HAZELCAST_CLIENT_CONFIG names the file)
    --config-dir DIR                The drop-in directory (default: seatunnel.d beside
                                    seatunnel.yaml)
";
