import type { UserSpec } from '../config/types';

/**
 * supervisord's `user=`: as root, switch to the user (with its supplementary groups); as anyone else,
 * only "switching" to oneself is allowed. Returns an error message or undefined.
 */
export function dropPrivileges(user: UserSpec | null): string | undefined {
  if (user === null) return undefined;
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (uid === user.uid) return undefined;
  if (uid !== 0) return "Can't drop privilege as nonroot user";
  try {
    (process as NodeJS.Process & { initgroups?: (user: string, group: number) => void }).initgroups?.(user.name, user.gid);
    process.setgid?.(user.gid);
    process.setuid?.(user.uid);
  } catch (e) {
    return `Could not set user id of process to ${user.uid}: ${(e as Error).message}`;
  }
  return undefined;
}
