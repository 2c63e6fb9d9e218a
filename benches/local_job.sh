#!/usr/bin/env bash
# Benchmark: the whole local-mode job, process start to exit.
#   FakeSource (name string, age int; 10,000,000 rows total, parallelism 2) -> LocalFile text
# Prints wall time, rows/s, MB/s of output, peak RSS, and the same run's reference: a raw
# sequential write of the same number of bytes to the same directory (dd), so the figures read
# as a ratio against what the disk and page cache allow on this machine today.
# Usage: benches/local_job.sh [ROWS_TOTAL] [RUNS]
#   SEATUNNEL_BENCH_SCHEMA=wide adds a double, a timestamp and a date column, so the run also
#   covers the Java number and date text every text row is written with (data/java/).
#   SEATUNNEL_BIN=/path/to/seatunnel runs that binary instead of building this tree's (to
#   compare two builds on the same machine in the same hour).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows_total="${1:-10000000}"
runs="${2:-3}"
parallelism=2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

if [[ -n "${SEATUNNEL_BIN:-}" ]]; then
  bin="$SEATUNNEL_BIN"
else
  cargo build --release --quiet --manifest-path "$here/Cargo.toml" --bin seatunnel
  bin="$CARGO_TARGET_DIR/release/seatunnel"
fi

case "${SEATUNNEL_BENCH_SCHEMA:-narrow}" in
  narrow) fields='name = "string", age = "int"' ;;
  wide) fields='name = "string", age = "int", score = "double", at = "timestamp", day = "date"' ;;
  *) echo "SEATUNNEL_BENCH_SCHEMA is narrow or wide, not '$SEATUNNEL_BENCH_SCHEMA'" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/job.conf" <<JOB
env { parallelism = $parallelism, job.mode = "BATCH" }
source {
  FakeSource {
    plugin_output = "fake"
    row.num = $((rows_total / parallelism))
    schema = { fields { $fields } }
  }
}
sink {
  LocalFile {
    path = "$work/out"
    tmp_path = "$work/tmp"
    file_format_type = "text"
  }
}
JOB

best_wall=""; best_rss=""
for _ in $(seq "$runs"); do
  rm -rf "$work/out" "$work/tmp"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" run -c "$work/job.conf" >"$work/stdout" 2>"$work/stderr" \
    || { cat "$work/stderr"; exit 1; }
  read -r wall rss <"$work/time"
  if [[ -z "$best_wall" ]] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; best_rss=$rss; fi
done
lines=$(find "$work/out" -type f -exec awk "END{print NR}" {} \; | awk "{s+=\$1} END{print s}")
bytes=$(find "$work/out" -type f -exec cat {} + | wc -c)
[[ "$lines" == "$rows_total" ]] || { echo "expected $rows_total lines, found $lines" >&2; exit 1; }

# Reference: write the same bytes sequentially with dd, in the same directory, same run.
ref_start=$(date +%s.%N)
dd if=/dev/zero of="$work/ref.bin" bs=1M count=$(( (bytes + 1048575) / 1048576 )) status=none
ref_end=$(date +%s.%N)
ref_secs=$(awk "BEGIN{print $ref_end - $ref_start}")

awk -v rows="$rows_total" -v wall="$best_wall" -v rss="$best_rss" -v bytes="$bytes" -v ref="$ref_secs" -v fields="$fields" 'BEGIN {
  mb = bytes / 1048576
  printf "job: FakeSource(%s; %d rows, p=2) -> LocalFile text, best of runs\n", fields, rows
  printf "wall time (process start to exit): %.2f s\n", wall
  printf "throughput: %.0f rows/s, %.1f MB/s of output (%.1f MB)\n", rows / wall, mb / wall, mb
  printf "peak RSS: %.1f MB\n", rss / 1024
  printf "reference (dd, same bytes to the same dir, page cache): %.2f s = %.1f MB/s\n", ref, mb / ref
  printf "ratio job/reference wall time: %.2fx\n", wall / ref
}'
