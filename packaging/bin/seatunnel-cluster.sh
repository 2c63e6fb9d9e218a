#!/bin/sh
# Apache SeaTunnel's bin/seatunnel-cluster.sh for seatunnel-rs: starts a server node.
#
#   seatunnel-cluster.sh [-d|--daemon] [-r|--role master|worker|master_and_worker]
#                        [-cn|--cluster NAME] [seatunnel server flags...]
#
# Without -d the node runs in the foreground (as systemd runs it). With -d it runs in the
# background, its output appended to $SEATUNNEL_LOG_DIR/<name>.out, its pid written to
# $SEATUNNEL_PID_DIR/seatunnel[-NAME]-<role>.pid for stop-seatunnel-cluster.sh; a live pid file
# refuses a second start.
#
# Environment: SEATUNNEL_BIN (default `seatunnel` from PATH), SEATUNNEL_HOME (default: the
# directory above this script), SEATUNNEL_LOG_DIR (default $SEATUNNEL_HOME/logs),
# SEATUNNEL_PID_DIR (default $SEATUNNEL_HOME/run). SEATUNNEL_CONFIG, HAZELCAST_CONFIG and
# ST_DOCKER_MEMBER_LIST are read by the node itself.
set -eu

usage() {
    cat <<'USAGE'
Usage: seatunnel-cluster.sh [options] [seatunnel server flags]
  Options:
    -d, --daemon               Run in the background, with a pid file (default: foreground)
    -r, --role ROLE            master, worker or master_and_worker (default: master_and_worker)
    -cn, --cluster NAME        Name the pid file after this cluster (stop-seatunnel-cluster.sh -cn)
    -h, --help                 Show this message
  Other flags go to the node, e.g. --config FILE, --set KEY=VALUE; see `seatunnel hybrid --help`.
USAGE
}

die() {
    echo "$*" >&2
    exit 1
}

bin=${SEATUNNEL_BIN:-seatunnel}
script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
home=${SEATUNNEL_HOME:-$(dirname -- "$script_dir")}
daemon=false
role=master_and_worker
cluster=

# Options this script handles are taken out; the rest are kept, in order, for the node.
count=$#
while [ "$count" -gt 0 ]; do
    arg=$1
    shift
    count=$((count - 1))
    case $arg in
        -d | --daemon) daemon=true ;;
        -r | --role)
            [ "$count" -gt 0 ] || die "option $arg needs a value"
            role=$1
            shift
            count=$((count - 1))
            ;;
        -cn | --cluster)
            [ "$count" -gt 0 ] || die "option $arg needs a value"
            cluster=$1
            shift
            count=$((count - 1))
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        -D*) echo "ignored: $arg (JVM options have no effect on seatunnel-rs)" >&2 ;;
        *) set -- "$@" "$arg" ;;
    esac
done

# SeaTunnel's daemon output file names, per role.
case $role in
    master) command=master out_name=seatunnel-engine-master ;;
    worker) command=worker out_name=seatunnel-engine-worker ;;
    master_and_worker) command=hybrid out_name=seatunnel-server ;;
    *) die "Unknown node role" ;;
esac

if [ "$daemon" = false ]; then
    exec "$bin" "$command" "$@"
fi

case $cluster in
    */* | .*) die "cluster name '$cluster' cannot name a pid file; use letters, digits, '-' and '_'" ;;
esac
log_dir=${SEATUNNEL_LOG_DIR:-$home/logs}
pid_dir=${SEATUNNEL_PID_DIR:-$home/run}
pid_file=$pid_dir/seatunnel${cluster:+-$cluster}-$role.pid
out_file=$log_dir/$out_name.out
mkdir -p -- "$log_dir" "$pid_dir"

# shellcheck source=seatunnel-pidfile.sh
. "$script_dir/seatunnel-pidfile.sh"

if [ -f "$pid_file" ]; then
    old=$(cat -- "$pid_file")
    case $old in
        '' | *[!0-9]*) ;;
        *)
            if is_our_node "$old"; then
                die "seatunnel $role is already running as process $old ($pid_file); stop it with stop-seatunnel-cluster.sh"
            fi
            ;;
    esac
    echo "removing stale pid file $pid_file" >&2
    rm -f -- "$pid_file"
fi

nohup "$bin" "$command" "$@" >>"$out_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"
echo "Starting seatunnel $role in the background: process $pid, output in $out_file"
