#!/usr/bin/python3
"""Event listener for the compatibility suite, written with `supervisor.childutils` only (the API
listener scripts in the wild use). Run with /usr/bin/python3 (the interpreter that has supervisor):

    recording_listener.py OUTFILE [--fail-once-on EVENTNAME]... [--fail-once-on-payload TEXT]...
                          [--delay SECONDS]

For every delivered event it appends one JSON line to OUTFILE (flushed at once):
  raw      the header line exactly as read (without its newline)
  headers  childutils' header dict
  payload  the `len` characters childutils read after it
  parsed   "ok", or the error childutils' get_headers/eventdata raised on the payload
  proc     SUPERVISOR_PROCESS_NAME (which process of the pool got the event)
  result   "OK" or "FAIL", the answer it sent ("CRASH": childutils could not parse the header
           line; the record is written and the listener dies with the traceback)

It answers OK, except that an event matching a --fail-once-on rule (eventname equal to
EVENTNAME, or payload containing TEXT) is answered FAIL on its first delivery (told apart by
serial), so the daemon redelivers it. --delay sleeps before answering (for pools: lets a second
process of the pool become the READY one).

It exits when stdin reaches EOF (the daemon has gone).
"""
import json
import os
import sys
import time

from supervisor import childutils


class Tap:
    """Stands in for stdin in childutils.listener.wait(): remembers the header line it reads."""

    def __init__(self, f):
        self.f = f
        self.last_line = ''

    def readline(self):
        line = self.f.readline()
        if line == '':
            sys.exit(0)  # the daemon closed our stdin
        self.last_line = line
        return line

    def read(self, n):
        return self.f.read(n)


def parse_args(argv):
    out, rules_name, rules_payload, delay = None, [], [], 0.0
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ('--fail-once-on', '--fail-once-on-payload', '--delay'):
            if i + 1 >= len(argv):
                sys.exit('%s needs a value' % a)
            v = argv[i + 1]
            if a == '--fail-once-on':
                rules_name.append(v)
            elif a == '--fail-once-on-payload':
                rules_payload.append(v)
            else:
                delay = float(v)
            i += 2
        elif out is None:
            out = a
            i += 1
        else:
            sys.exit('unexpected argument %r' % a)
    if out is None:
        sys.exit(__doc__)
    return out, rules_name, rules_payload, delay


def check_parse(payload):
    """Parse the payload the way listeners do: eventdata() when it has a body, else get_headers()."""
    try:
        if '\n' in payload:
            childutils.eventdata(payload)
        else:
            childutils.get_headers(payload)
        return 'ok'
    except Exception as e:  # a payload childutils cannot parse is a finding, not a crash
        return 'error: %s: %s' % (type(e).__name__, e)


def main():
    out, rules_name, rules_payload, delay = parse_args(sys.argv[1:])
    # Read stdin as UTF-8 text whatever the daemon's locale, without newline translation: `len`
    # counts characters, and childutils reads `len` characters (as listeners normally do).
    sys.stdin.reconfigure(encoding='utf-8', errors='surrogateescape', newline='\n')
    sys.stdout.reconfigure(encoding='utf-8')
    proc = os.environ.get('SUPERVISOR_PROCESS_NAME', '?')
    stdin = Tap(sys.stdin)
    failed = set()
    with open(out, 'a', encoding='utf-8') as f:
        while True:
            try:
                headers, payload = childutils.listener.wait(stdin, sys.stdout)
            except Exception as e:
                # a header line childutils cannot parse: record it, then die as such a listener would
                f.write(json.dumps({
                    'raw': stdin.last_line.rstrip('\n'), 'headers': {}, 'payload': '',
                    'parsed': 'header error: %s: %s' % (type(e).__name__, e), 'proc': proc, 'result': 'CRASH',
                }, ensure_ascii=False) + '\n')
                f.flush()
                raise
            name = headers.get('eventname', '')
            key = (headers.get('serial'), name)
            fail = key not in failed and (name in rules_name or any(t in payload for t in rules_payload))
            if fail:
                failed.add(key)
            rec = {
                'raw': stdin.last_line.rstrip('\n'),
                'headers': headers,
                'payload': payload,
                'parsed': check_parse(payload),
                'proc': proc,
                'result': 'FAIL' if fail else 'OK',
            }
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')
            f.flush()
            if delay > 0:
                time.sleep(delay)
            if fail:
                childutils.listener.fail(sys.stdout)
            else:
                childutils.listener.ok(sys.stdout)


if __name__ == '__main__':
    main()
