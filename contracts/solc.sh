#!/usr/bin/env bash
# A native-solc look-alike around the pinned solcjs (tools/js, solc 0.8.37), for tools that drive
# solc as a program (Foundry's `solc = "contracts/solc.sh"`). Only what such tools use:
#   solc.sh --version                       native solc's two-line version banner
#   solc.sh --standard-json [--base-path P] [--include-path P]... [--allow-paths P]  < input.json
# In standard-json mode solcjs may print notes before its JSON on stdout; only the JSON is kept,
# so the caller can parse stdout. --allow-paths is accepted and dropped: solcjs has no such
# option (its import callback reads under --base-path/--include-path only).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
solcjs="$here/../tools/js/node_modules/.bin/solcjs"
if [ ! -x "$solcjs" ]; then
  echo "solc.sh: $solcjs not found: run npm ci --prefix tools/js" >&2
  exit 1
fi

mode=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version | -V) mode=version ;;
    --standard-json) mode=json ;;
    --base-path | --include-path)
      [ $# -ge 2 ] || { echo "solc.sh: $1 needs a value" >&2; exit 2; }
      args+=("$1" "$2")
      shift
      ;;
    --base-path=* | --include-path=*) args+=("$1") ;;
    --allow-paths)
      [ $# -ge 2 ] || { echo "solc.sh: $1 needs a value" >&2; exit 2; }
      shift
      ;;
    --allow-paths=*) ;;
    *)
      echo "solc.sh: unsupported argument '$1' (only --version and --standard-json)" >&2
      exit 2
      ;;
  esac
  shift
done

case "$mode" in
  version)
    version=$("$solcjs" --version)
    printf 'solc, the solidity compiler commandline interface\nVersion: %s\n' "$version"
    ;;
  json)
    # Files, not pipes, around solcjs: it reads its input with a blocking readFileSync(0), which
    # fails with EAGAIN on the non-blocking pipe forge hands it, and it calls process.exit()
    # right after writing, which cuts output to a pipe at 64 KiB. The input is buffered through
    # node's stream reader, which handles non-blocking pipes.
    input=$(mktemp)
    output=$(mktemp)
    trap 'rm -f "$input" "$output"' EXIT
    node -e 'process.stdin.pipe(require("fs").createWriteStream(process.argv[1]))' "$input"
    "$solcjs" --standard-json "${args[@]}" < "$input" > "$output"
    # Keep stdout from the first line that opens a JSON object, and check that it parses.
    node -e '
      let raw = "";
      process.stdin.setEncoding("utf8");
      process.stdin.on("data", (d) => (raw += d));
      process.stdin.on("end", () => {
        const at = raw.search(/^\{/m);
        const json = at < 0 ? "" : raw.slice(at);
        try {
          JSON.parse(json);
        } catch (e) {
          process.stderr.write("solc.sh: solcjs printed no JSON:\n" + raw);
          process.exit(1);
        }
        process.stdout.write(json.trimEnd() + "\n");
      });' < "$output"
    ;;
  *)
    echo "usage: solc.sh --version | solc.sh --standard-json [--base-path P] [--include-path P] < input.json" >&2
    exit 2
    ;;
esac
