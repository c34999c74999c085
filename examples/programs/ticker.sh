#!/bin/sh
# Prints a line every second: watch it with `tail -f` on its log.
n=0
while :; do
  n=$((n + 1))
  echo "tick $n at $(date '+%H:%M:%S')"
  sleep 1
done
