#!/usr/bin/env bash
# Measures examples/hashcsv on a generated customer file, whole process, and
# DuckDB's SQL version of the same job beside it when DUCKDB=1 (installed
# from npm into a temporary folder for the measurement only; never a
# dependency of cdpkit). Runs are interleaved, since a shared machine's speed
# drifts from minute to minute.
#
#   examples/hashcsv/bench/bench.sh            # 1M rows, 3 rounds
#   ROWS=200000 ROUNDS=5 DUCKDB=1 examples/hashcsv/bench/bench.sh
#
# Prints, per run: wall seconds, CPU seconds (user+sys), peak RSS and rows/s.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/hashcsv" ./examples/hashcsv
go build -o "$work/hashparquet" ./examples/hashcsv/bench/hashparquet
go run ./examples/hashcsv/gencustomers -n "$ROWS" -o "$work/customers.csv"
if [ "${DUCKDB:-0}" = 1 ]; then
  (cd "$work" && npm install --silent --no-save @duckdb/node-api >/dev/null)
  cp examples/hashcsv/bench/duckdb.mjs "$work/"
fi

measure() { # name command...
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null
  read -r wall user sys rss <"$work/time"
  awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v rows="$ROWS" \
    'BEGIN { printf "%-12s wall %6.2f s  cpu %6.2f s  peak %5.0f MiB  %9.0f rows/s\n", n, w, u+s, r/1024, rows/w }'
}

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  measure hashcsv "$work/hashcsv" -in "$work/customers.csv" -out "$work/out-csv"
  measure parquet "$work/hashparquet" -in "$work/customers.csv" -out "$work/out-parquet"
  if [ "${DUCKDB:-0}" = 1 ]; then
    measure duckdb node "$work/duckdb.mjs" "$work/customers.csv" "$work/duck.csv"
  fi
done
