/**
 * `supervisor.*` methods that start, stop, signal and describe processes. Waiting answers come from
 * the engine's promises, so a waiting request never holds up the others.
 */
import type { Control } from '../control/control';
import type { RpcNamespace } from './rpc-method';
import { processInfoStruct, resultStructs, signalArg, stringArg, trueOrResults, waitArg } from './supervisor-wire';

export function processMethods(control: Control): RpcNamespace {
  return {
    startProcess: {
      help: `Start one process, or every process of a group named as group:* (the answer is then
an array of result structs).

@param string name A process name, group:name or group:*
@param boolean wait Answer only once the process is RUNNING (default true)
@return boolean result True unless an error occurred`,
      optional: 1,
      call: async ([name, wait]) => trueOrResults(await control.startProcess(stringArg(name), waitArg(wait))),
    },
    startProcessGroup: {
      help: `Start every process of a group that is not running, in priority order.

@param string name The group name
@param boolean wait Answer only once each process is RUNNING (default true)
@return array result A struct {name, group, status, description} per process`,
      optional: 1,
      call: async ([name, wait]) => resultStructs(await control.startProcessGroup(stringArg(name), waitArg(wait))),
    },
    startAllProcesses: {
      help: `Start every process that is not running, in priority order.

@param boolean wait Answer only once each process is RUNNING (default true)
@return array result A struct {name, group, status, description} per process`,
      optional: 1,
      call: async ([wait]) => resultStructs(await control.startAllProcesses(waitArg(wait))),
    },
    stopProcess: {
      help: `Stop one process, or every running process of a group named as group:*.

@param string name A process name, group:name or group:*
@param boolean wait Answer only once the process has stopped (default true)
@return boolean result True unless an error occurred`,
      optional: 1,
      call: async ([name, wait]) => trueOrResults(await control.stopProcess(stringArg(name), waitArg(wait))),
    },
    stopProcessGroup: {
      help: `Stop every running process of a group.

@param string name The group name
@param boolean wait Answer only once each process has stopped (default true)
@return array result A struct {name, group, status, description} per process`,
      optional: 1,
      call: async ([name, wait]) => resultStructs(await control.stopProcessGroup(stringArg(name), waitArg(wait))),
    },
    stopAllProcesses: {
      help: `Stop every running process.

@param boolean wait Answer only once each process has stopped (default true)
@return array result A struct {name, group, status, description} per process`,
      optional: 1,
      call: async ([wait]) => resultStructs(await control.stopAllProcesses(waitArg(wait))),
    },
    signalProcess: {
      help: `Send a UNIX signal to one process, or to a group named as group:*.

@param string name A process name, group:name or group:*
@param string signal A signal name (HUP, SIGHUP) or number
@return boolean result True unless an error occurred`,
      call: async ([name, signal]) => trueOrResults(await control.signalProcess(stringArg(name), signalArg(signal))),
    },
    signalProcessGroup: {
      help: `Send a UNIX signal to every process of a group that can take one.

@param string name The group name
@param string signal A signal name (HUP, SIGHUP) or number
@return array result A struct {name, group, status, description} per process`,
      call: async ([name, signal]) => resultStructs(await control.signalProcessGroup(stringArg(name), signalArg(signal))),
    },
    signalAllProcesses: {
      help: `Send a UNIX signal to every process that can take one.

@param string signal A signal name (HUP, SIGHUP) or number
@return array result A struct {name, group, status, description} per process`,
      call: async ([signal]) => resultStructs(await control.signalAllProcesses(signalArg(signal))),
    },
    getProcessInfo: {
      help: `Describe one process: name, group, start/stop/now times, state code and name,
spawn error, exit status, log files, pid and a human-readable description.

@param string name A process name or group:name
@return struct info The process's state`,
      call: ([name]) => processInfoStruct(control.processInfo(stringArg(name))),
    },
    getAllProcessInfo: {
      help: `Describe every process, sorted by group name and then process name.

@return array result One getProcessInfo struct per process`,
      call: () => control.allProcessInfo().map(processInfoStruct),
    },
  };
}
