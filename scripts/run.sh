#!/usr/bin/env bash
# Starts the web server, the task worker and the scheduler together; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
"$BIN/python" manage.py db_worker --queue-name '*' --no-reload &
pids+=($!)
"$BIN/python" manage.py scheduler --loop &
pids+=($!)
"$BIN/python" manage.py runserver "${HOUQIN_ADDR:-127.0.0.1:8000}" &
pids+=($!)
wait -n
