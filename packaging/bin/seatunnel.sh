#!/bin/sh
# Apache SeaTunnel's bin/seatunnel.sh for seatunnel-rs: the client, with SeaTunnel's flags
# (-c, -m, -i, -l, -j, -can, ...). `seatunnel client -h` lists them.
#
# SEATUNNEL_BIN names the seatunnel binary (default: `seatunnel` from PATH).
set -eu

exec "${SEATUNNEL_BIN:-seatunnel}" client "$@"
