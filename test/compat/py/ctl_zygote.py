#!/usr/bin/python3
"""Fork server for supervisorctl: imports supervisor's client once, then runs each requested command
in a forked child through the unmodified `supervisor.supervisorctl.main()`, with sys.argv set exactly
as `/usr/bin/supervisorctl <args>` would have it.

Why: importing the client costs ~0.3 s of CPU per invocation (pkg_resources), and the compatibility
suite runs hundreds of invocations against two daemons on small machines. The code that parses the
arguments, talks XML-RPC and prints results is the same; only the interpreter start-up is shared.

Usage: ctl_zygote.py SOCKET_PATH. Prints "ready\\n" on stdout once listening; exits when stdin closes.

Protocol, one connection per command: the client sends one JSON line
`{"argv": [...], "cwd": "...", "env": {...}}`; the server answers with frames `<tag:1><len:4 BE><data>`:
`P` child pid (ASCII), `O` stdout bytes, `E` stderr bytes, `X` exit status (ASCII), then closes.
"""
import io
import json
import os
import signal
import socket
import struct
import sys
import threading

from supervisor import supervisorctl  # noqa: F401  (the import is the point)
from supervisor import http_client, options, rpcinterface, xmlrpc  # noqa: F401


def frame(conn, tag, data):
    conn.sendall(tag + struct.pack('>I', len(data)) + data)


class FrameWriter(io.RawIOBase):
    def __init__(self, conn, tag):
        self.conn, self.tag = conn, tag

    def writable(self):
        return True

    def write(self, b):
        data = bytes(b)
        if data:
            frame(self.conn, self.tag, data)
        return len(data)


def run_child(conn, request):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    try:
        frame(conn, b'P', str(os.getpid()).encode())
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.chdir(request.get('cwd') or '/')
        os.environ.update(request.get('env') or {})
        sys.stdin = open(os.devnull)
        sys.stdout = io.TextIOWrapper(FrameWriter(conn, b'O'), encoding='utf-8', write_through=True)
        sys.stderr = io.TextIOWrapper(FrameWriter(conn, b'E'), encoding='utf-8', write_through=True)
        sys.argv = ['/usr/bin/supervisorctl'] + list(request['argv'])
        try:
            supervisorctl.main()
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                sys.stderr.write('%s\n' % (e.code,))
                code = 1
        except KeyboardInterrupt:
            code = 130
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        frame(conn, b'X', str(code).encode())
    finally:
        try:
            conn.close()
        finally:
            os._exit(0)


def main():
    path = sys.argv[1]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the test run, not for us

    def watch_stdin():
        while sys.stdin.buffer.read(1):
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while True:
        conn, _ = srv.accept()
        data = b''
        while not data.endswith(b'\n'):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        try:
            request = json.loads(data.decode('utf-8'))
        except ValueError:
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            srv.close()
            run_child(conn, request)
        conn.close()


if __name__ == '__main__':
    main()
