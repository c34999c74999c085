/** The embedded journal backend: `openJournal` and its error type. See docs/journal.md. */
export { openJournal, FileJournal } from './file-journal';
export { JournalError, type JournalErrorCode } from './journal-error';
