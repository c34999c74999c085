/**
 * `supervisor.*` methods on process logs and stdin.
 */
import type { Control, LogChannel } from '../control/control';
import { pyStr } from './py-values';
import { RpcFault, type RpcMethod, type RpcNamespace } from './rpc-method';
import { intArg, resultStructs, stringArg } from './supervisor-wire';

function readMethod(control: Control, channel: LogChannel): RpcMethod {
  return {
    help: `Read bytes of a process's ${channel} log. A negative offset reads that many bytes
from the end (length must then be 0); a length of 0 reads to the end of the file.

@param string name A process name or group:name
@param int offset Where to start, in bytes
@param int length How many bytes to read (0 = to the end)
@return string data The bytes read, as text`,
    call: ([name, offset, length]) => control.readProcessLog(stringArg(name), channel, intArg(offset), intArg(length)),
  };
}

function tailMethod(control: Control, channel: LogChannel): RpcMethod {
  return {
    help: `Follow a process's ${channel} log. Gives at most length bytes starting at offset; when
the log has grown past offset + length, the last length bytes instead, with overflow set. Poll
again with the offset returned, which is the log's current size.

@param string name A process name or group:name
@param int offset Where the caller left off, in bytes
@param int length The most bytes to return
@return array result [data (string), next offset (int), overflow (boolean)]`,
    call: ([name, offset, length]) => control.tailProcessLog(stringArg(name), channel, intArg(offset), intArg(length)),
  };
}

export function logMethods(control: Control): RpcNamespace {
  const readStdout = readMethod(control, 'stdout');
  const tailStdout = tailMethod(control, 'stdout');
  const clearLogs: RpcMethod = {
    help: `Empty a process's stdout and stderr logs and reopen them.

@param string name A process name or group:name
@return boolean result True unless an error occurred`,
    call: ([name]) => {
      control.clearProcessLogs(stringArg(name));
      return true;
    },
  };
  return {
    readProcessStdoutLog: readStdout,
    readProcessLog: readStdout,
    readProcessStderrLog: readMethod(control, 'stderr'),
    tailProcessStdoutLog: tailStdout,
    tailProcessLog: tailStdout,
    tailProcessStderrLog: tailMethod(control, 'stderr'),
    clearProcessLogs: clearLogs,
    clearProcessLog: clearLogs,
    clearAllProcessLogs: {
      help: `Empty and reopen the logs of every process.

@return array result A struct {name, group, status, description} per process`,
      call: () => resultStructs(control.clearAllProcessLogs()),
    },
    sendProcessStdin: {
      help: `Write text to a process's stdin (UTF-8 encoded).

@param string name A process name or group:name
@param string chars The text to write
@return boolean result True unless an error occurred`,
      call: ([name, chars]) => {
        // supervisor checks the text before the name, and names the bad value (but not None).
        if (typeof chars !== 'string' && !Buffer.isBuffer(chars)) {
          throw new RpcFault('INCORRECT_PARAMETERS', chars === null || chars === undefined ? '' : pyStr(chars));
        }
        control.sendProcessStdin(stringArg(name), chars);
        return true;
      },
    },
  };
}
