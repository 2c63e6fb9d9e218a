# shellcheck shell=sh
# /etc/profile.d/seatunnel.sh: SEATUNNEL_HOME and PATH for login shells, so SeaTunnel's scripts
# work as its documentation shows ($SEATUNNEL_HOME/bin/seatunnel.sh -c ...). Sourced by sh, bash,
# dash and zsh: POSIX only, prints nothing, adds to PATH once however often it is sourced.
# The seatunnel services never read this file; their environment is in the unit files.

: "${SEATUNNEL_HOME:=/usr/share/seatunnel}"
case ":${PATH}:" in
    *":${SEATUNNEL_HOME}/bin:"*) ;;
    *) PATH="${PATH:+${PATH}:}${SEATUNNEL_HOME}/bin" ;;
esac
export SEATUNNEL_HOME PATH
