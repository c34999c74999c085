/** Errors of the embedded journal. Append never throws (it refuses); these come from open and registration. */
import { VigilError } from '../../core/errors';

/**
 * `JOURNAL_OPEN`: the directory or its files cannot be created or read.
 * `JOURNAL_IN_USE`: this process already has the directory open.
 * `JOURNAL_CLOSED`: the journal was closed.
 * `JOURNAL_CONSUMER_OPEN`: a consumer of that name is already registered.
 * `JOURNAL_BAD_OPTION`: an option is out of range.
 */
export type JournalErrorCode = 'JOURNAL_OPEN' | 'JOURNAL_IN_USE' | 'JOURNAL_CLOSED' | 'JOURNAL_CONSUMER_OPEN' | 'JOURNAL_BAD_OPTION';

export class JournalError extends VigilError {
  declare readonly code: JournalErrorCode;
  constructor(code: JournalErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
