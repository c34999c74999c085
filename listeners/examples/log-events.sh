#!/usr/bin/env bash
# Example eventlistener in plain bash (no SDK): append "<eventname> <payload>" for every event to the
# file named by $1, and accept every event.
#
#   [eventlistener:eventlog]
#   command=/path/to/vigil/listeners/examples/log-events.sh /tmp/events.log
#   events=EVENT
#
# The protocol: write READY\n, read one header line, read exactly len payload characters, write
# RESULT 2\nOK (no newline after OK), repeat. stdout carries only the protocol; diagnostics go to stderr.
#
# Limitations, honestly:
# * len counts characters, not bytes, so the payload is read with `read -N`, which counts characters
#   only in a UTF-8 locale. Without C.UTF-8 (checked below) non-ASCII payloads would be misread.
# * bash variables cannot hold NUL characters: `read` drops them, so a payload containing one (child
#   output with \0 in PROCESS_LOG events) is logged without it and reading falls out of step.
# * read -N reads one byte per system call: fine for state events, slow for large log payloads.
set -u
set -f # header tokens are split unquoted below; no globbing

out=${1:?usage: log-events.sh FILE}
export LC_ALL=C.UTF-8
probe='é'
if (( ${#probe} != 1 )); then
  echo "log-events.sh: the C.UTF-8 locale is not available; non-ASCII payloads will be misread" >&2
fi

while :; do
  printf 'READY\n'
  IFS= read -r header || exit 0 # stdin closed: supervisor is gone
  eventname='' len=''
  for token in $header; do
    case $token in
      eventname:*) eventname=${token#eventname:} ;;
      len:*) len=${token#len:} ;;
    esac
  done
  if [[ -z $eventname || ! $len =~ ^[0-9]+$ ]]; then
    echo "log-events.sh: not an event header: $header" >&2
    exit 1
  fi
  payload=''
  if (( len > 0 )); then
    IFS= read -r -N "$len" payload || { echo "log-events.sh: input ended inside a payload" >&2; exit 1; }
  fi
  printf '%s %s\n' "$eventname" "$payload" >>"$out"
  printf 'RESULT 2\nOK'
done
