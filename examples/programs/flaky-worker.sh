#!/bin/sh
# Works for a random 5..20 seconds, then crashes with exit status 3 (autorestart brings it back).
life=$(( $(od -An -N1 -tu1 /dev/urandom) % 16 + 5 ))
echo "worker $$ starting, will crash in ${life}s"
i=0
while [ "$i" -lt "$life" ]; do
  i=$((i + 1))
  echo "worker $$ processed job $i"
  sleep 1
done
echo "worker $$: out of luck, crashing" >&2
exit 3
