/**
 * Loading `[plugin:x]` modules: a built-in name (`log`, `slack`, ...) from the package's `plugins/`,
 * or a path to a JS module. The factory runs here, so option errors surface at startup, named after
 * the section and the option.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigilError } from '../core/errors';
import type { PluginConfig } from '../config/types';
import { PluginOptionError, type Plugin, type PluginContext, type PluginFactory } from './api';
import { readOptions } from './options';
import { redact, secretValues } from './plugin-logger';

/** A plugin failed to load or refused its options. `message` names the section (and option). */
export class PluginLoadError extends VigilError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PLUGIN_LOAD', message, options);
  }
}

/** Where built-in plugins are: `<package>/dist/plugins/<name>` next to `dist/src/plugin-host`. */
export const BUILT_IN_DIR = path.resolve(__dirname, '../../plugins');

export function modulePath(use: string): string {
  return path.isAbsolute(use) ? use : path.join(BUILT_IN_DIR, use);
}

function factoryOf(mod: unknown): PluginFactory | null {
  if (typeof mod === 'function') return mod as PluginFactory;
  if (mod !== null && typeof mod === 'object') {
    const m = mod as { default?: unknown; create?: unknown };
    if (typeof m.default === 'function') return m.default as PluginFactory;
    if (typeof m.create === 'function') return m.create as PluginFactory;
  }
  return null;
}

export interface LoadedPlugin {
  readonly plugin: Plugin;
  /** Values of options the plugin read as secrets. */
  readonly secrets: ReadonlySet<string>;
}

/** Require the module, run its factory with the section's options; throws PluginLoadError. */
export async function loadPlugin(config: PluginConfig, ctx: PluginContext): Promise<LoadedPlugin> {
  const where = `[plugin:${config.name}] (file: '${config.file}', line ${config.line})`;
  const file = modulePath(config.use);
  if (!path.isAbsolute(config.use) && !fs.existsSync(file)) {
    throw new PluginLoadError(`${where}: use = ${config.use}: no such built-in plugin`);
  }
  let mod: unknown;
  try {
    mod = require(file);
  } catch (e) {
    throw new PluginLoadError(`${where}: use = ${config.use}: cannot load ${file}: ${(e as Error).message}`, { cause: e });
  }
  const factory = factoryOf(mod);
  if (factory === null) throw new PluginLoadError(`${where}: ${file} exports no plugin factory (default, create or the module itself)`);
  const options = readOptions(config.options);
  let plugin: Plugin;
  try {
    plugin = await factory(options, ctx);
  } catch (e) {
    // A plugin's message may quote an option value; a secret one must not reach the log.
    const hide = (text: string): string => redact(text, secretValues(config.options, options.secrets));
    if (e instanceof PluginOptionError) {
      const line = config.optionLines[e.option];
      const at = line === undefined ? where : `[plugin:${config.name}] (file: '${config.file}', line ${line})`;
      throw new PluginLoadError(hide(`${at}: ${e.option}: ${e.message}`));
    }
    throw new PluginLoadError(hide(`${where}: the plugin failed to start: ${(e as Error).message}`));
  }
  if (plugin === null || typeof plugin !== 'object' || typeof plugin.handle !== 'function') {
    throw new PluginLoadError(`${where}: the factory of ${file} returned no object with a handle() method`);
  }
  return { plugin, secrets: options.secrets };
}
