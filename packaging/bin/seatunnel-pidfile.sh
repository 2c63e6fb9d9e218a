# Sourced by seatunnel-cluster.sh and stop-seatunnel-cluster.sh: what a pid file may name.
# shellcheck shell=sh

# A pid names one of our nodes when that process is alive, not a zombie, and a seatunnel process
# (a reused pid of something else is never signalled).
is_our_node() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    state=$(sed 's/^.*) //' "/proc/$1/stat" | cut -c1)
    [ "$state" != Z ] || return 1
    tr '\000' ' ' <"/proc/$1/cmdline" | grep -q seatunnel
}
