/**
 * supervisor's namespec rules (`split_namespec`): `name` means group `name`, process `name`;
 * `group:name` one process; `group:*` and `group:` the whole group.
 */
export interface Namespec {
  readonly group: string;
  /** null = the whole group. */
  readonly process: string | null;
}

export function splitNamespec(namespec: string): Namespec {
  const i = namespec.indexOf(':');
  if (i < 0) return { group: namespec, process: namespec };
  const group = namespec.slice(0, i);
  const process = namespec.slice(i + 1);
  return { group, process: process === '' || process === '*' ? null : process };
}

/** supervisor's `make_namespec`. */
export function makeNamespec(group: string, process: string): string {
  return group === process ? process : `${group}:${process}`;
}
