/**
 * `PluginOptions` over the adapter's `--opt key=value` pairs: vigild's own option reader and secret
 * rules (from the package entry), so a plugin reads its options and hides its secrets the same way in
 * both places.
 */
import { readOptions, redact, secretValues, type OptionReader } from 'vigil';

/** The option reader plus the values the plugin read with `secret()`. */
export type AdapterOptions = OptionReader;

export const readAdapterOptions = readOptions;
export { redact, secretValues };
