/**
 * JavaDoc-like `@tag type name text` lines in method help, read the way supervisor's `gettags`
 * reads them, so `system.methodSignature` derives the same signatures from the same kind of text.
 */

export interface DocTag {
  readonly tag: string;
  readonly type: string;
  readonly name: string;
}

/** The tags of a help text, in order. A tag line is any line starting with `@` once trimmed. */
export function parseDocTags(help: string): DocTag[] {
  const tags: DocTag[] = [];
  for (const raw of help.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('@')) continue;
    // Python's str.split(None, 3): the first three words; the rest is free text we do not need.
    const parts = line.split(/\s+/);
    tags.push({ tag: (parts[0] as string).slice(1), type: parts[1] ?? '', name: parts[2] ?? '' });
  }
  return tags;
}

/** `[returnType, ...paramTypes]`, or null when there is no `@return` tag (SIGNATURE_UNSUPPORTED). */
export function signatureOf(help: string): string[] | null {
  let ret: string | null = null;
  const params: string[] = [];
  for (const t of parseDocTags(help)) {
    if (t.tag === 'return') ret = t.type;
    else if (t.tag === 'param') params.push(t.type);
  }
  return ret === null ? null : [ret, ...params];
}

/** How many `@param` tags a help text has: the method's maximum argument count. */
export function paramCount(help: string): number {
  return parseDocTags(help).filter((t) => t.tag === 'param').length;
}
