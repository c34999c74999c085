import type { UserSpec } from '../config/types';

/**
 * supervisord's `user=`: as root, switch to the user (with its supplementary groups); as anyone else,
 * only "switching" to oneself is allowed. Returns the info line to log, or an error.
 */
export function dropPrivileges(user: UserSpec | null): { info?: string; error?: string } {
  if (user === null) return {};
  const uid = process.getuid?.();
  if (uid === undefined) return {};
  const done = { info: `Set uid to user ${user.uid} succeeded` };
  if (uid === user.uid) return done;
  if (uid !== 0) return { error: "Can't drop privilege as nonroot user" };
  try {
    (process as NodeJS.Process & { initgroups?: (user: string, group: number) => void }).initgroups?.(user.name, user.gid);
    process.setgid?.(user.gid);
    process.setuid?.(user.uid);
  } catch (e) {
    return { error: `Could not set user id of process to ${user.uid}: ${(e as Error).message}` };
  }
  return done;
}
