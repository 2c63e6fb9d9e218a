#!/usr/bin/env bash
# Stages the data fixtures the corpus LocalFile text/csv/json jobs read, at the absolute paths
# the job files name (see jobs/MANIFEST.tsv, notes column).
#
# Usage: stage_fixtures.sh CORPUS_DIR
#   CORPUS_DIR    the compat-corpus directory (holding jobs/localfile/{text,json}/)
#   STAGE_ROOT    optional prefix for every staged path (default: none, i.e. the real
#                 /seatunnel/read/... and /tmp/fake_empty); tests stage into a temp dir this way
#
# Idempotent: every target is rebuilt from the fixtures on each run, and /tmp/fake_empty is
# emptied (the json job that reads it expects an empty directory). Installs nothing: when a
# needed tool is missing it says which and exits 3.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 CORPUS_DIR" >&2
    exit 2
fi
corpus="$1"
text="$corpus/jobs/localfile/text"
json="$corpus/jobs/localfile/json"
root="${STAGE_ROOT:-}"
for f in "$text/e2e.txt" "$text/e2e_delimiter.txt" "$text/e2e_gbk.txt" "$text/e2e_time_format.txt" \
    "$json/e2e.json" "$json/e2e_gbk.json"; do
    if [[ ! -f "$f" ]]; then
        echo "missing fixture $f (is $corpus the compat-corpus directory?)" >&2
        exit 2
    fi
done

missing=()
for tool in lzop zip tar gzip; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "missing tools: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})" >&2
    exit 3
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# place SRC DEST: copy one fixture to DEST (under STAGE_ROOT), replacing what is there.
place() {
    local dest="$root$2"
    mkdir -p "$(dirname "$dest")"
    rm -f "$dest"
    cp "$1" "$dest"
}

# lzo SRC DEST: DEST is SRC compressed by lzop (the name keeps SRC's extension, as in the e2e).
lzo() {
    local dest="$root$2"
    mkdir -p "$(dirname "$dest")"
    rm -f "$dest"
    lzop -c "$1" >"$dest"
}

# stage_copies SRC N: a fresh directory holding N copies of SRC (e2e.txt, e2e_2.txt, ...).
stage_copies() {
    local src="$1" n="$2" dir base ext i
    dir="$(mktemp -d "$work/entries.XXXXXX")"
    base="$(basename "$src")"
    ext="${base##*.}"
    cp "$src" "$dir/$base"
    for ((i = 2; i <= n; i++)); do
        cp "$src" "$dir/${base%.*}_$i.$ext"
    done
    echo "$dir"
}

# archive KIND SRC N DEST: DEST is a KIND (zip, tar, tar_gz) archive of N copies of SRC.
archive() {
    local kind="$1" src="$2" n="$3" dest="$root$4" dir
    dir="$(stage_copies "$src" "$n")"
    mkdir -p "$(dirname "$dest")"
    rm -f "$dest"
    case "$kind" in
        zip) (cd "$dir" && zip -q -X "$dest" ./*) ;;
        tar) (cd "$dir" && tar -cf "$dest" ./*) ;;
        tar_gz) (cd "$dir" && tar -czf "$dest" ./*) ;;
    esac
}

# The archive commands run inside other directories: make STAGE_ROOT absolute.
if [[ -n "$root" ]]; then
    mkdir -p "$root"
    root="$(cd "$root" && pwd)"
fi

# text jobs
place "$text/e2e.txt" /seatunnel/read/text/name=tyrantlucifer/hobby=coding/e2e.txt
place "$text/e2e_delimiter.txt" /seatunnel/read/text_delimiter/e2e.txt
place "$text/e2e_gbk.txt" /seatunnel/read/encoding/text/e2e_gbk.txt
place "$text/e2e_time_format.txt" /seatunnel/read/text_time_format/e2e.txt
lzo "$text/e2e.txt" /seatunnel/read/lzo_text/e2e.txt
archive zip "$text/e2e.txt" 1 /seatunnel/read/zip/txt/single/e2e-txt.zip
archive zip "$text/e2e.txt" 2 /seatunnel/read/zip/txt/multifile/multiZip.zip
archive tar "$text/e2e.txt" 1 /seatunnel/read/tar/txt/single/e2e-txt.tar
archive tar "$text/e2e.txt" 2 /seatunnel/read/tar/txt/multifile/multiTar.tar
archive tar_gz "$text/e2e.txt" 1 /seatunnel/read/tar_gz/txt/single/e2e-txt.tar.gz
archive tar_gz "$text/e2e.txt" 2 /seatunnel/read/tar_gz/txt/multifile/multiTarGz.tar.gz

# json jobs
place "$json/e2e.json" /seatunnel/read/json/name=tyrantlucifer/hobby=coding/e2e.json
place "$json/e2e_gbk.json" /seatunnel/read/encoding/json/e2e_gbk.json
lzo "$json/e2e.json" /seatunnel/read/lzo_json/e2e.json
archive zip "$json/e2e.json" 1 /seatunnel/read/zip/json/single/e2e-json.zip
archive zip "$json/e2e.json" 2 /seatunnel/read/zip/json/multifile/multiJson.zip

# local_file_to_console.conf reads an empty directory.
rm -rf "$root/tmp/fake_empty"
mkdir -p "$root/tmp/fake_empty"

echo "staged LocalFile fixtures under ${root:-/}"
