#!/usr/bin/env bash
# Regenerate cases/ (the sample cases) with the real CLI: each case-*.sh script opens a case,
# attaches its documents and takes its decisions on the dates it names. Run after changing a
# rule pack; a script that the rules now refuse stops the build and says where.
#   tools/samples/build.sh            # all scripts
#   tools/samples/build.sh case-hy1.sh case-yj2.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export TRACKER=${TRACKER:-$root/.venv/bin/tracker}
export WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home
mkdir -p "$HOME" "$WORK/att"
git config --global user.name 示例管理员
git config --global user.email admin@example.gov.cn
"$TRACKER" init "$WORK/store" >/dev/null
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=($(cd "$here" && ls case-*.sh))
for s in "${scripts[@]}"; do
  echo "== $s"
  bash "$here/$s" >/dev/null || { echo "FAILED in $s" >&2; exit 1; }
done
for d in "$WORK/store/cases"/*/; do
  id=$(basename "$d")
  rm -rf "$root/cases/$id"
  cp -r "$d" "$root/cases/$id"
done
echo "cases/ regenerated from ${#scripts[@]} scripts"
