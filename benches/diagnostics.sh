#!/usr/bin/env bash
# Times the diagnostics of issue 6 (benches/README.md, "Diagnostics over a 10 M-event store"):
# every command three times, seconds and peak memory. The pseudonyms are picked by queries first.
#
#   bash benches/diagnostics.sh [DATA_DIR] [CONFSTATS_BINARY]
#
# DATA_DIR (default /tmp/b6/data) holds the five published nights made as the README says.
set -euo pipefail
D=${1:-/tmp/b6/data}
B=${2:-target/release/confstats}
DAY=${DAY:-2026-11-25}

first() { "$B" query --data "$D" --format csv "$1" | sed -n 2p | cut -d, -f1; }
M=$(first "SELECT meeting, count(*) AS n FROM events WHERE kind = 'participant_joined' AND date = '$DAY' GROUP BY meeting ORDER BY n DESC LIMIT 1")
P=$(first "SELECT participant, count(*) AS n FROM events WHERE participant IS NOT NULL GROUP BY participant ORDER BY n DESC LIMIT 1")
R=$(first "SELECT room, count(DISTINCT meeting) AS n FROM events WHERE room IS NOT NULL AND date = '$DAY' GROUP BY room ORDER BY n DESC LIMIT 1")
S=$(first "SELECT session FROM sessions WHERE date = '$DAY' ORDER BY events DESC LIMIT 1")

times=$(mktemp)
trap 'rm -f "$times"' EXIT
t() {
  local name=$1 out=""
  shift
  for _ in 1 2 3; do
    /usr/bin/time -o "$times" -f "%e s %M KB;" "$@" >/dev/null 2>&1 || { echo "$name: failed: $*" >&2; return 1; }
    out="$out $(cat "$times")"
  done
  echo "$name:$out"
}
q() { local name=$1; shift; t "$name" "$B" query --data "$D" "$@"; }

q "events by kind" "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC"
q "audio failures by code and browser" "SELECT error_code, meaning, browser, count(*) AS n FROM errors WHERE kind = 'audio_failed' GROUP BY 1, 2, 3 ORDER BY n DESC LIMIT 20"
q "one participant's events" "SELECT time, kind, error_code FROM events WHERE participant = '$P' ORDER BY time"
q "errors per server and local hour" "SELECT server, date_part('hour', local_time) AS h, count(*) AS n FROM errors GROUP BY 1, 2 ORDER BY 1, 2"
q "one day by kind" "SELECT kind, count(*) AS n FROM events WHERE date = '$DAY' GROUP BY kind ORDER BY n DESC"
q "sessions of one day per school" "SELECT school, count(*) AS sessions, avg(duration_s) AS avg_s FROM sessions WHERE date = '$DAY' GROUP BY school ORDER BY sessions DESC LIMIT 10"
q "sessions of all days per school" "SELECT school, count(*) AS sessions, avg(duration_s) AS avg_s FROM sessions GROUP BY school ORDER BY sessions DESC LIMIT 10"
q "sessions with errors per browser" "SELECT browser, count(*) AS n, avg(errors) AS avg_errors, avg(duration_s) AS avg_s FROM sessions WHERE errors > 0 GROUP BY browser ORDER BY n DESC"
t "trace of a meeting" "$B" trace --data "$D" --meeting "$M"
t "trace of a meeting, JSON, --all" "$B" trace --data "$D" --meeting "$M" --format json --all
t "trace of a participant" "$B" trace --data "$D" --participant "$P"
t "trace of a room" "$B" trace --data "$D" --room "$R"
t "trace of a session" "$B" trace --data "$D" --session "$S"
t "lookup of an account" "$B" lookup --data "$D" --account some.account.not.in.the.data
