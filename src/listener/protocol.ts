/** What a listener writes to its stdout (reference §5.2). Nothing else may ever go there. */

/** Announces that the listener can take one event: exactly these 6 bytes. */
export const READY = 'READY\n';

/** The answer that accepts an event: `RESULT 2\nOK`, with no newline after `OK`. */
export const RESULT_OK = 'RESULT 2\nOK';

/** The answer that rejects an event, so supervisor buffers it again and redelivers it: `RESULT 4\nFAIL`. */
export const RESULT_FAIL = 'RESULT 4\nFAIL';

/**
 * A result message with any body: `RESULT <n>\n<body>`, where `n` is the body's length in UTF-8 bytes.
 * supervisor's default result handler accepts only `OK`; other bodies matter to custom `result_handler`s.
 */
export function formatResult(body: string): string {
  return `RESULT ${Buffer.byteLength(body, 'utf8')}\n${body}`;
}
