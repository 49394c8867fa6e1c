#!/usr/bin/env bash
# Runs readycheck the way the GitHub Action (action.yml) does; it also runs anywhere else.
#
# One audit writes every report: the text report to the log, SARIF (for code scanning) and JSON (for
# dashboards, and the verdict below) to files; readycheck itself appends a Markdown summary to
# $GITHUB_STEP_SUMMARY when that is set. It then writes `verdict`, `exit-code`, `sarif-file` and
# `json-file` to $GITHUB_OUTPUT when that is set.
#
# Inputs, from the environment (action.yml maps its inputs to these):
#   INPUT_PATH       the folder to audit (default .)
#   INPUT_FAIL_ON    no-go | warn | never (default: readycheck's, from the config or no-go)
#   INPUT_SARIF      true | false: write the SARIF report (default true)
#   INPUT_SARIF_FILE, INPUT_JSON_FILE   where to write them (default readycheck.sarif, readycheck.json)
#   INPUT_ARGS       extra arguments for `readycheck audit`, split like a shell would (no expansion)
#   READYCHECK       the command to run (default readycheck)
#   READYCHECK_DEFER_EXIT  true: exit 0 on a NO-GO (exit 1) so that the SARIF upload still runs;
#                    the action fails afterwards, in its last step, from the `exit-code` output.
#                    Usage and internal errors (exit 2, 3...) always fail here, at once.
# Exit code: readycheck's, or 0 on GO/NO-GO when READYCHECK_DEFER_EXIT is true.
set -uo pipefail

path=${INPUT_PATH:-.}
sarif_file=${INPUT_SARIF_FILE:-readycheck.sarif}
json_file=${INPUT_JSON_FILE:-readycheck.json}
read -r -a readycheck <<<"${READYCHECK:-readycheck}"

extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  while IFS= read -r -d '' word; do extra+=("$word"); done < <(
    python3 -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$INPUT_ARGS"
  ) || { echo "::error::readycheck: cannot parse the args input: $INPUT_ARGS" >&2; exit 2; }
fi
[ -n "${INPUT_FAIL_ON:-}" ] && extra+=(--fail-on "$INPUT_FAIL_ON")

# One audit, several reports: FORMAT=FILE writes a file; text, with no file, is the log's.
formats=()
case "${INPUT_SARIF:-true}" in true|True|TRUE|1|yes) formats+=(--format "sarif=$sarif_file") ;; *) sarif_file= ;; esac
formats+=(--format "json=$json_file")
rm -f -- "$json_file" ${sarif_file:+"$sarif_file"}

echo "::group::readycheck audit $path"
"${readycheck[@]}" audit "$path" --no-color "${extra[@]}" --format text "${formats[@]}"
code=$?
echo "::endgroup::"

verdict=
if [ -s "$json_file" ]; then
  verdict=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1], encoding="utf-8"))["verdict"])' "$json_file" 2>/dev/null) || verdict=
fi
[ -n "$sarif_file" ] && [ ! -s "$sarif_file" ] && sarif_file=
[ -s "$json_file" ] || json_file=

echo "readycheck: verdict ${verdict:-none}, exit code $code${sarif_file:+, SARIF $sarif_file}${json_file:+, JSON $json_file}"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "sarif-file=$sarif_file"
    echo "json-file=$json_file"
  } >>"$GITHUB_OUTPUT"
fi

case "$code" in
  0) exit 0 ;;
  1) case "${READYCHECK_DEFER_EXIT:-false}" in true|1) exit 0 ;; *) exit 1 ;; esac ;;
  *) echo "::error::readycheck failed with exit code $code (a usage, configuration or internal error)" >&2; exit "$code" ;;
esac
