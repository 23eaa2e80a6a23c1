#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each and prints a table:
# executions, executions per second, crashes, inputs the run added and the size of the target's
# working corpus; exits non-zero if any target crashed (a panic, an overflow, a failed
# round-trip assertion, a timeout or running out of memory).
#
#   bash scripts/fuzz.sh SECONDS [TARGET...]
#   ZKBIO_FUZZ_RUNS=1000000 bash scripts/fuzz.sh 900 [TARGET...]   # stop at N executions or SECONDS
#
# Builds once (installs cargo-fuzz from crates.io if absent; RUSTC_BOOTSTRAP lets the stable
# toolchain take libFuzzer's instrumentation flags). No sanitizer: the parsers are safe Rust, and
# what is hunted is panics, overflows (debug assertions are on) and allocation bombs, which an
# uninstrumented build finds at several times the speed. Each target starts from its committed
# seeds (fuzz/corpus/TARGET, never written to) plus what earlier runs found
# (fuzz/target/corpus/TARGET); a crashing input is saved under fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift

if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
export RUSTC_BOOTSTRAP=1
(cd fuzz && cargo fuzz build --sanitizer none)

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi
bin=fuzz/target/x86_64-unknown-linux-gnu/release
runs=()
if [ -n "${ZKBIO_FUZZ_RUNS:-}" ]; then
  runs=("-runs=$ZKBIO_FUZZ_RUNS")
fi
failed=()
printf '%-14s %12s %8s %8s %6s %14s\n' target executions exec/s crashes new corpus
for t in "${targets[@]}"; do
  work=fuzz/target/corpus/$t
  logs=fuzz/target/logs
  tmp=fuzz/target/tmp/$t
  mkdir -p "$work" "$logs" "$tmp" "fuzz/artifacts/$t"
  set +e
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: 2 GiB is an allocation bomb.
  seeds=()
  if [ -d "fuzz/corpus/$t" ]; then
    seeds=("fuzz/corpus/$t")
  fi
  TMPDIR="$PWD/$tmp" "$bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" "${runs[@]}" \
    "$work" "${seeds[@]}" >"$logs/$t.log" 2>&1
  rc=$?
  set -e
  rm -rf "$tmp"
  final_stat() { sed -n "s/^stat::$1: *//p" "$logs/$t.log" | tail -1; }
  execs=$(final_stat number_of_executed_units)
  rate=$(final_stat average_exec_per_sec)
  added=$(final_stat new_units_added)
  files=$(find "$work" -type f | wc -l)
  kib=$(du -sk "$work" | cut -f1)
  crashes=0
  if [ "$rc" -ne 0 ]; then
    crashes=1
    failed+=("$t")
  fi
  printf '%-14s %12s %8s %8s %6s %14s\n' "$t" "${execs:-?}" "${rate:-?}" "$crashes" \
    "${added:-?}" "$files files ${kib} KiB"
  if [ "$rc" -ne 0 ]; then
    grep -m1 -E 'panicked|ERROR: libFuzzer|deadly signal|out-of-memory|timeout' "$logs/$t.log" || true
    grep -m1 'Test unit written to' "$logs/$t.log" || true
    echo "  full log: $logs/$t.log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash"
