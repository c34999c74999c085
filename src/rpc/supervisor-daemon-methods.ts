/**
 * `supervisor.*` methods about the daemon itself: versions, state, main log, shutdown/restart,
 * config re-reading and group activation, config info, remote communication events.
 */
import type { Control } from '../control/control';
import { pyStr } from './py-values';
import type { RpcMethod, RpcNamespace } from './rpc-method';
import { intArg, stringArg } from './supervisor-wire';

/** The XML-RPC API version supervisor 3.0+ reports. */
export const API_VERSION = '3.0';
/** The supervisor release whose API vigild reproduces. */
export const SUPERVISOR_VERSION = '4.2.5';

export function daemonMethods(control: Control): RpcNamespace {
  const getAPIVersion: RpcMethod = {
    help: `Report which version of the XML-RPC API this server speaks.

@return string version The API version`,
    call: () => API_VERSION,
  };
  const readLog: RpcMethod = {
    help: `Read bytes of the daemon's main log. A negative offset reads that many bytes from
the end (length must then be 0); a length of 0 reads to the end of the file.

@param int offset Where to start, in bytes
@param int length How many bytes to read (0 = to the end)
@return string data The bytes read, as text`,
    call: ([offset, length]) => control.readMainLog(intArg(offset), intArg(length)),
  };
  return {
    getAPIVersion,
    getVersion: getAPIVersion,
    getSupervisorVersion: {
      help: `Report the supervisor release whose behaviour this daemon provides.

@return string version The release number`,
      call: () => SUPERVISOR_VERSION,
    },
    getIdentification: {
      help: `Report the identifier of this daemon ([supervisord] identifier).

@return string identifier The identifier`,
      call: () => control.identifier,
    },
    getState: {
      help: `Report the daemon's state as a struct with statecode (int) and statename (string).

@return struct state The state code and name`,
      call: () => control.state(),
    },
    getPID: {
      help: `Report the process id of the daemon.

@return int pid The daemon's pid`,
      call: () => control.pid(),
    },
    readLog,
    readMainLog: readLog,
    clearLog: {
      help: `Empty the daemon's main log and reopen it.

@return boolean result True unless an error occurred`,
      call: () => {
        control.clearMainLog();
        return true;
      },
    },
    shutdown: {
      help: `Stop every process and then the daemon itself, once this answer is sent.

@return boolean result True unless an error occurred`,
      call: () => {
        control.shutdown();
        return true;
      },
    },
    restart: {
      help: `Stop every process, read the configuration again and start over, in the same daemon.

@return boolean result True unless an error occurred`,
      call: () => {
        control.restart();
        return true;
      },
    },
    reloadConfig: {
      help: `Read the configuration file again without applying it. The answer is a one-element
array holding [added, changed, removed]: three arrays of process group names, compared with the
groups that are active now. Use addProcessGroup and removeProcessGroup to apply them.

@return array result [[added, changed, removed]]`,
      call: () => {
        const c = control.reloadConfig();
        return [[c.added, c.changed, c.removed]];
      },
    },
    addProcessGroup: {
      help: `Activate a process group from the configuration last read (its autostart applies).

@param string name The group to add
@return boolean result True unless an error occurred`,
      call: ([name]) => {
        control.addProcessGroup(stringArg(name));
        return true;
      },
    },
    removeProcessGroup: {
      help: `Deactivate a process group whose processes are all stopped.

@param string name The group to remove
@return boolean result True unless an error occurred`,
      call: ([name]) => {
        control.removeProcessGroup(stringArg(name));
        return true;
      },
    },
    getAllConfigInfo: {
      help: `Describe the configuration of every process in the configuration last read, one
struct per process (groups flattened), sorted by process name.

@return array result Process configuration structs`,
      call: () => control.configInfo(),
    },
    sendRemoteCommEvent: {
      help: `Emit a REMOTE_COMMUNICATION event to the event listeners subscribed to it.

@param string type The text of the event's type header
@param string data The event's body
@return boolean result True unless an error occurred`,
      // supervisor formats whatever it is given with %s and never checks the daemon's state here.
      call: ([type, data]) => {
        control.sendRemoteCommEvent(pyStr(type ?? null), pyStr(data ?? null));
        return true;
      },
    },
  };
}
