#!/usr/bin/python3
"""XML-RPC probe for the compatibility suite: exercises the supervisor.* and system.* methods
that supervisorctl never calls and prints one line per probe, `label => <json>`.

Run with /usr/bin/python3 (the interpreter that has the supervisor package):

    rpc_probe.py --url unix:///tmp/x/supervisor.sock [--user U --password P]

Values that legitimately differ between two daemons (pids, epoch times, uptimes, dates) are
replaced by placeholders here; the TypeScript side replaces temp paths and ports. The program
names are fixed by the scenario config in test/compat/xmlrpc.test.ts.
"""
import argparse
import http.client
import json
import re
import socket
import sys
import time
import xmlrpc.client as xc

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:  # no supervisor package: a small equivalent (HTTP/1.1, basic auth, unix socket)
    SupervisorTransport = None


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        http.client.HTTPConnection.__init__(self, 'localhost')
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class _FallbackTransport(xc.Transport):
    def __init__(self, username, password, serverurl):
        xc.Transport.__init__(self)
        self.username, self.password, self.serverurl = username, password, serverurl

    def make_connection(self, host):
        if self.serverurl.startswith('unix://'):
            return _UnixConnection(self.serverurl[len('unix://'):])
        return xc.Transport.make_connection(self, host)

    def send_headers(self, connection, headers):
        if self.username is not None and self.password is not None:
            import base64
            token = base64.b64encode(('%s:%s' % (self.username, self.password)).encode()).decode()
            headers = list(headers) + [('Authorization', 'Basic ' + token)]
        xc.Transport.send_headers(self, connection, headers)


def make_proxy(url, user, password):
    factory = SupervisorTransport or _FallbackTransport
    transport = factory(user, password, url)
    host = 'http://127.0.0.1' if url.startswith('unix://') else url
    return xc.ServerProxy(host, transport=transport, allow_none=False)


TIME_KEYS = ('start', 'stop', 'now')
UPTIME = re.compile(r'pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d')
DATE = re.compile(r'[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M')


def norm(value, key=None):
    if isinstance(value, dict):
        return {k: norm(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if key == 'pid' and value > 0:
            return '<PID>'
        if key in TIME_KEYS and value > 0:
            return '<TIME>'
        return value
    if isinstance(value, str) and key == 'description':
        return DATE.sub('<DATE>', UPTIME.sub('pid <PID>, uptime <UPTIME>', value))
    return value


def emit(label, value):
    sys.stdout.write('%s => %s\n' % (label, json.dumps(value, sort_keys=True)))
    sys.stdout.flush()


def probe(label, fn, *args, **kw):
    """Call and print the (normalised) result or fault; return the raw result (None on fault)."""
    try:
        result = fn(*args)
    except xc.Fault as f:
        emit(label, {'faultCode': f.faultCode, 'faultString': f.faultString})
        return None
    except Exception as e:  # a transport/protocol error is a result too
        emit(label, {'error': type(e).__name__, 'text': re.sub(r'for \S+/RPC2', 'for <HOST>/RPC2', str(e))})
        return None
    shown = kw.get('show', lambda r: norm(r))(result)
    emit(label, shown)
    return result


def probe_rejected(label, fn, *args):
    """Bad argument types: supervisord answers HTTP 500, vigild the fault INCORRECT_PARAMETERS (the
    issue asks for a fault or 4xx, never a 500). Both are a refusal; print that."""
    try:
        result = fn(*args)
    except xc.Fault as f:
        emit(label, 'rejected' if f.faultCode == 2 else {'faultCode': f.faultCode, 'faultString': f.faultString})
        return
    except xc.ProtocolError as e:
        emit(label, 'rejected' if e.errcode == 500 else {'error': 'ProtocolError', 'errcode': e.errcode})
        return
    emit(label, norm(result))


def doc_tags(text):
    """The typed tags of a method's help (`@param string`, `@return boolean`): what clients parse.
    The prose is each daemon's own wording and is not compared."""
    return [re.sub(r'\s+', ' ', t) for t in re.findall(r'@(?:param|return)\s+\w+', text)]


def wait_for(what, check, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            return None
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', required=True)
    ap.add_argument('--user')
    ap.add_argument('--password')
    opts = ap.parse_args()
    server = make_proxy(opts.url, opts.user, opts.password)
    s = server.supervisor
    system = server.system

    # identity and state
    probe('getAPIVersion', s.getAPIVersion)
    probe('getVersion', s.getVersion)
    probe('getSupervisorVersion', s.getSupervisorVersion)
    probe('getIdentification', s.getIdentification)
    probe('getState', s.getState)
    probe('getPID', s.getPID, show=lambda r: '<PID>' if isinstance(r, int) and not isinstance(r, bool) and r > 0 else r)

    # processes and config
    probe('getProcessInfo writer', s.getProcessInfo, 'writer')
    probe('getProcessInfo grp:g1', s.getProcessInfo, 'grp:g1')
    probe('getProcessInfo failing (FATAL)', s.getProcessInfo, 'failing')
    probe('getProcessInfo oneshot (EXITED, expected)', s.getProcessInfo, 'oneshot')
    probe('getProcessInfo badexit (EXITED, unexpected)', s.getProcessInfo, 'badexit')
    probe('getProcessInfo nosuch', s.getProcessInfo, 'nosuch')
    probe('getProcessInfo grp:*', s.getProcessInfo, 'grp:*')
    probe('getAllProcessInfo', s.getAllProcessInfo)
    probe('getAllConfigInfo', s.getAllConfigInfo)
    probe('getAllConfigInfo keys', s.getAllConfigInfo,
          show=lambda r: sorted({k for d in r for k in d}))

    # main log: offsets checked against the whole text, since the text has timestamps
    full = s.readLog(0, 0)
    size = len(full.encode('utf-8'))
    emit('readLog(0,0) nonempty', size > 0)
    probe('readLog(0,10) is prefix', s.readLog, 0, 10, show=lambda r: r == full[:10])
    probe('readLog(5,10) is slice', s.readLog, 5, 10, show=lambda r: r == full[5:15])
    probe('readLog(-20,0) is suffix', s.readLog, -20, 0, show=lambda r: r == full[-20:])
    probe('readLog(-huge,0) is whole', s.readLog, -(size + 1000), 0, show=lambda r: r == full)
    probe('readLog(size,0)', s.readLog, size, 0)
    probe('readLog(size+10,0)', s.readLog, size + 10, 0)
    probe('readMainLog(0,10) is prefix', s.readMainLog, 0, 10, show=lambda r: r == full[:10])
    probe('readLog(-5,3)', s.readLog, -5, 3)
    probe('readLog(0,-1)', s.readLog, 0, -1)
    probe('readLog(-1,-1)', s.readLog, -1, -1)
    probe_rejected('readLog("a",0)', s.readLog, 'a', 0)

    # process log reading (writer printed 22 bytes on stdout, 9 on stderr, then sleeps)
    for off, length in ((0, 0), (0, 5), (3, 4), (-6, 0), (-1000, 0), (22, 0), (100, 0), (21, 10),
                        (-5, 3), (0, -1), (-1, -1)):
        probe('readProcessStdoutLog(writer,%d,%d)' % (off, length), s.readProcessStdoutLog, 'writer', off, length)
    probe('readProcessLog(writer,0,0)', s.readProcessLog, 'writer', 0, 0)
    probe('readProcessStderrLog(writer,0,0)', s.readProcessStderrLog, 'writer', 0, 0)
    probe('readProcessStderrLog(writer,-4,0)', s.readProcessStderrLog, 'writer', -4, 0)
    probe('readProcessStdoutLog(nolog,0,0)', s.readProcessStdoutLog, 'nolog', 0, 0)
    probe('readProcessStderrLog(nolog,0,0)', s.readProcessStderrLog, 'nolog', 0, 0)
    probe('readProcessStdoutLog(nosuch,0,0)', s.readProcessStdoutLog, 'nosuch', 0, 0)

    # tail triples
    for off, length in ((0, 3), (0, 100), (10, 5), (22, 100), (30, 5), (21, 1), (0, 0)):
        probe('tailProcessStdoutLog(writer,%d,%d)' % (off, length), s.tailProcessStdoutLog, 'writer', off, length)
    probe('tailProcessLog(writer,0,3)', s.tailProcessLog, 'writer', 0, 3)
    probe('tailProcessStderrLog(writer,0,4)', s.tailProcessStderrLog, 'writer', 0, 4)
    probe('tailProcessStdoutLog(nolog,0,10)', s.tailProcessStdoutLog, 'nolog', 0, 10)
    probe('tailProcessStdoutLog(nosuch,0,10)', s.tailProcessStdoutLog, 'nosuch', 0, 10)

    # stdin to a running `cat`, read back from its stdout log
    probe('sendProcessStdin(cat)', s.sendProcessStdin, 'cat', 'hello stdin\n')
    echoed = wait_for('cat echo', lambda: 'hello stdin' in s.readProcessStdoutLog('cat', 0, 0))
    emit('cat echoed within deadline', bool(echoed))
    probe('readProcessStdoutLog(cat,0,0)', s.readProcessStdoutLog, 'cat', 0, 0)
    probe('sendProcessStdin(cat, unicode)', s.sendProcessStdin, 'cat', 'caf\u00e9\n')
    wait_for('cat echo 2', lambda: 'caf' in s.readProcessStdoutLog('cat', 0, 0))
    probe('readProcessStdoutLog(cat,0,0) again', s.readProcessStdoutLog, 'cat', 0, 0)
    probe('sendProcessStdin(idle stopped)', s.sendProcessStdin, 'idle', 'x')
    probe('sendProcessStdin(nosuch)', s.sendProcessStdin, 'nosuch', 'x')
    probe('sendProcessStdin(cat, int)', s.sendProcessStdin, 'cat', 5)
    probe('sendRemoteCommEvent', s.sendRemoteCommEvent, 'mytype', 'mydata')

    # start/stop/group results over RPC
    probe('stopProcess(cat)', s.stopProcess, 'cat')
    probe('stopProcess(cat) again', s.stopProcess, 'cat')
    probe('getProcessInfo cat stopped', s.getProcessInfo, 'cat')
    probe('startProcess(cat,false)', s.startProcess, 'cat', False)
    wait_for('cat running', lambda: s.getProcessInfo('cat')['statename'] == 'RUNNING')
    probe('startProcess(cat) already', s.startProcess, 'cat')
    probe('startProcess(nosuch)', s.startProcess, 'nosuch')
    # result structs come in completion order, which is timing-dependent: sorted by name
    by_name = lambda r: norm(sorted(r, key=lambda x: x['name']))
    probe('stopProcessGroup(grp)', s.stopProcessGroup, 'grp', show=by_name)
    probe('stopProcessGroup(grp) nothing running', s.stopProcessGroup, 'grp')
    probe('startProcessGroup(grp)', s.startProcessGroup, 'grp', show=by_name)
    probe('signalProcessGroup(grp,BAD)', s.signalProcessGroup, 'grp', 'BAD')
    probe('signalProcess(cat,BAD)', s.signalProcess, 'cat', 'BAD')
    probe('signalProcess(idle,HUP)', s.signalProcess, 'idle', 'HUP')
    probe('startProcessGroup(nosuch)', s.startProcessGroup, 'nosuch')
    probe('startProcess(missing)', s.startProcess, 'missing')
    probe('startProcess(notexec)', s.startProcess, 'notexec')
    probe('getProcessInfo missing', s.getProcessInfo, 'missing')
    probe('signalProcess(cat,CONT)', s.signalProcess, 'cat', 'CONT')
    probe('signalProcess(cat,18)', s.signalProcess, 'cat', 18)
    probe('signalAllProcesses(CONT)', s.signalAllProcesses, 'CONT', show=by_name)

    # config groups: reloadConfig, add/remove
    probe('reloadConfig', s.reloadConfig)
    probe('addProcessGroup(writer)', s.addProcessGroup, 'writer')
    probe('addProcessGroup(nosuch)', s.addProcessGroup, 'nosuch')
    probe('removeProcessGroup(writer)', s.removeProcessGroup, 'writer')
    probe('removeProcessGroup(nosuch)', s.removeProcessGroup, 'nosuch')
    probe('removeProcessGroup(idle)', s.removeProcessGroup, 'idle')
    probe('getProcessInfo idle removed', s.getProcessInfo, 'idle')
    probe('getAllConfigInfo idle inuse', s.getAllConfigInfo,
          show=lambda r: [d['inuse'] for d in r if d['name'] == 'idle'])
    probe('addProcessGroup(idle)', s.addProcessGroup, 'idle')
    probe('getProcessInfo idle added', s.getProcessInfo, 'idle')

    # clearing logs
    probe('clearProcessLogs(writer)', s.clearProcessLogs, 'writer')
    probe('readProcessStdoutLog(writer,0,0) after clear', s.readProcessStdoutLog, 'writer', 0, 0)
    probe('clearProcessLogs(nosuch)', s.clearProcessLogs, 'nosuch')

    # introspection. vigild's own vigil.* namespace is a deliberate addition: compared without it.
    def shared_methods():
        return [n for n in system.listMethods() if not n.startswith('vigil.')]
    probe('system.listMethods', shared_methods)
    probe('system.methodHelp(supervisor.getState) tags', system.methodHelp, 'supervisor.getState', show=doc_tags)
    probe('system.methodHelp(supervisor.nope)', system.methodHelp, 'supervisor.nope')
    probe('system.methodSignature(supervisor.startProcess)', system.methodSignature, 'supervisor.startProcess')
    probe('system.methodSignature(supervisor.getAllProcessInfo)', system.methodSignature, 'supervisor.getAllProcessInfo')
    probe('system.methodSignature(supervisor.readLog)', system.methodSignature, 'supervisor.readLog')
    probe('system.methodSignature(system.multicall)', system.methodSignature, 'system.multicall')
    probe('system.methodSignature(supervisor.nope)', system.methodSignature, 'supervisor.nope')
    for name in shared_methods():
        probe('system.methodSignature(%s)' % name, system.methodSignature, name)

    def all_help(names):
        out = {}
        for name in names:
            try:
                out[name] = doc_tags(system.methodHelp(name))
            except xc.Fault as f:
                out[name] = {'faultCode': f.faultCode, 'faultString': f.faultString}
        return out
    probe('system.methodHelp(every method) tags', shared_methods, show=all_help)

    # multicall, including a bad method, a missing methodName and a nested multicall
    probe('system.multicall', system.multicall, [
        {'methodName': 'supervisor.getPID', 'params': []},
        {'methodName': 'supervisor.nope', 'params': []},
        {'methodName': 'supervisor.getState', 'params': []},
        {'params': []},
        {'methodName': 'system.multicall', 'params': [[]]},
        {'methodName': 'supervisor.getProcessInfo', 'params': ['nosuch']},
        {'methodName': 'supervisor.getAPIVersion'},
    ], show=lambda r: norm([('<PID>' if i == 0 and isinstance(v, int) else v) for i, v in enumerate(r)]))

    # unknown methods and wrong arguments
    probe('supervisor.nope', getattr(s, 'nope'))
    probe('nodots', getattr(server, 'nodots'))
    probe('a.b.c', getattr(server, 'a.b.c'))
    probe('supervisor._update', getattr(s, '_update'), 'x')
    probe('getProcessInfo()', s.getProcessInfo)
    probe('getProcessInfo(1,2)', s.getProcessInfo, 'writer', 2)
    probe('startProcess(3 args)', s.startProcess, 'cat', True, 'extra')

    probe('clearLog', s.clearLog)
    probe('readLog after clearLog', s.readLog, 0, 0, show=lambda r: r == '')


if __name__ == '__main__':
    main()
