/**
 * XML-RPC methods supervisorctl does not call, driven by py/rpc_probe.py (Python's xmlrpc.client with
 * supervisor's SupervisorTransport) over the unix socket and over inet with username/password,
 * against vigild and supervisord. One record per probe line. Expected values: reference §6.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { INET_PASS, INET_USER, type Expect, type Recorded } from './compat-env';
import { scenarioTest, type ScenarioDef, type Step } from './compat-harness';
import { waitProcLog, waitState } from './steps';
import { RPC_EXPECTED } from './rpc-expected';

const programs = (): string => `
[program:writer]
command=/bin/sh -c 'printf "0123456789\\nabcdefghij\\n"; printf "err-line\\n" 1>&2; exec sleep 1000'
startsecs=0
stopwaitsecs=2

[program:cat]
command=/bin/cat
startsecs=0
stopwaitsecs=2

[program:nolog]
command=/bin/sleep 1000
stdout_logfile=NONE
stderr_logfile=NONE
startsecs=0
stopwaitsecs=2

[program:idle]
command=/bin/sleep 1000
autostart=false

[program:failing]
command=/bin/sh -c 'exit 3'
startsecs=1
startretries=0

[program:oneshot]
command=/bin/sh -c 'exit 0'
startsecs=0
autorestart=false

[program:badexit]
command=/bin/sh -c 'exit 5'
startsecs=0
autorestart=false

[program:missing]
command=/nonexistent/vigil-compat/missing
autostart=false

[program:notexec]
command=%(here)s/notexec.txt
autostart=false

[group:grp]
programs=g1,g2

[program:g1]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:g2]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
`;

/** Run the probe script and turn each `label => json` line into one record. */
function probeStep(): Step {
  const expect: Expect[] = RPC_EXPECTED.map(([, json]) => ({ rc: 0, out: `${json}\n` }));
  expect.push({ rc: 0, out: '' });
  return {
    kind: 'custom',
    label: 'rpc_probe.py',
    expect,
    run: async (d) => {
      const auth = d.def.transport === 'inet' ? ['--user', INET_USER, '--password', INET_PASS] : [];
      const r = await d.runPython('rpc_probe.py', ['--url', d.serverUrl, ...auth]);
      const out: Recorded[] = [];
      for (const line of r.stdout.split('\n')) {
        if (line === '') continue;
        const at = line.indexOf(' => ');
        if (at < 0) out.push({ label: 'rpc (unparsed line)', stdout: `${line}\n`, stderr: '', rc: 0 });
        else out.push({ label: `rpc ${line.slice(0, at)}`, stdout: `${line.slice(at + 4)}\n`, stderr: '', rc: 0 });
      }
      out.push({ label: 'rpc_probe.py exit', stdout: '', stderr: r.stderr, rc: r.rc });
      return out;
    },
  };
}

function scenario(transport: 'unix' | 'inet'): ScenarioDef {
  return {
    name: `XML-RPC probe (${transport === 'unix' ? 'unix socket, SupervisorTransport' : 'inet with username/password'})`,
    transport,
    programs,
    setup: (dir) => fs.writeFileSync(path.join(dir, 'notexec.txt'), 'not a program\n', { mode: 0o644 }),
    steps: [
      waitState(['writer', 'cat', 'nolog', 'grp:g1', 'grp:g2'], 'RUNNING'),
      waitState('failing', 'FATAL'),
      waitState(['oneshot', 'badexit'], 'EXITED'),
      waitProcLog('writer', 'abcdefghij'),
      probeStep(),
    ],
  };
}

describe('XML-RPC methods beyond supervisorctl', { concurrency: true }, () => {
  scenarioTest(scenario('unix'));
  scenarioTest(scenario('inet'));
});
