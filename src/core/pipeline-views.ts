/**
 * The wire shapes of Vigil's pipeline status over XML-RPC (`vigil.getPluginStatus`,
 * `vigil.listDeadLetters`), shared by the daemon side and vigilctl. A leaf module.
 */

/** A plugin's delivery counters, as every host of it adds to them. */
export interface PluginCountsView {
  readonly delivered: number;
  readonly retrying: number;
  readonly failed: number;
  readonly dead_lettered: number;
  readonly duplicates: number;
  readonly last_error: string;
  readonly last_error_at: string;
}

export interface PluginStatusView extends PluginCountsView {
  readonly name: string;
  readonly use: string;
  readonly runs_on: 'anywhere' | 'node';
  readonly running_here: boolean;
}
