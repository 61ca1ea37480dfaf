# Helpers for the sample case scripts (sourced). Expects TRACKER (the tracker command) and WORK
# (a scratch directory holding store/ and att/), both set by build.sh.
T=${TRACKER:?}
A=${WORK:?}/att
cd "$WORK/store"
set -e
# doc CASE DATE KIND FILENAME LINE...   — write a small document and attach it on DATE
doc() {
  local c=$1 d=$2 k=$3 f=$4; shift 4
  mkdir -p "$A/$c"; printf '%s\n' "$@" > "$A/$c/$f"
  TRACKER_TODAY=$d $T attach "$c" "$A/$c/$f" --kind "$k" >/dev/null
  echo "  + $d $k $f"
}
# adv CASE DATE ACTION OPINION [--set ...]   — take a decision on DATE
adv() {
  local c=$1 d=$2 a=$3 o=$4; shift 4
  TRACKER_TODAY=$d $T advance "$c" "$a" --on "$d" --opinion "$o" "$@"
}
# newcase DATE args...   — open a case on DATE
newcase() {
  local d=$1; shift
  TRACKER_TODAY=$d $T new "$@"
}
