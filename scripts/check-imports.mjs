#!/usr/bin/env node
// Enforces the module layering of docs/architecture.md ("lower never imports higher") and
// forbids import cycles between src/ modules. Reads the TypeScript sources as text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve('src');
// module -> modules it may import (besides itself). Types-only imports follow the same rule.
const ALLOWED = {
  core: [],
  config: ['core'],
  events: ['core', 'config', 'process', 'listener'],
  process: ['core', 'config', 'events'],
  eventlistener: ['core', 'config', 'events', 'process', 'queue'],
  queue: ['core', 'events'],
  control: ['core', 'config', 'process', 'events'],
  'plugin-host': ['core', 'config', 'events', 'queue', 'control'],
  rpc: ['core', 'control', 'events', 'config'],
  web: ['core', 'control', 'events', 'rpc'],
  http: ['core', 'rpc', 'web', 'config'],
  ctl: ['core', 'rpc', 'config'],
  pipeline: ['core', 'config', 'events', 'queue', 'plugin-host', 'control'],
  daemon: ['*'],
  worker: ['*'],
  'index.ts': ['*'],
  listener: ['core'],
};

const files = [];
(function walk(p) {
  for (const e of readdirSync(p)) {
    const f = join(p, e);
    if (statSync(f).isDirectory()) walk(f);
    else if (f.endsWith('.ts')) files.push(f);
  }
})(SRC);

const moduleOf = (f) => relative(SRC, f).split('/')[0];
const problems = [];
const graph = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    let target = resolve(dirname(f), m[1]);
    target = files.includes(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts');
    deps.push(target);
    const from = moduleOf(f);
    const to = moduleOf(target);
    const allowed = ALLOWED[from];
    if (allowed === undefined) problems.push(`${relative('.', f)}: module '${from}' is not in the layering table`);
    else if (from !== to && !allowed.includes('*') && !allowed.includes(to)) {
      problems.push(`${relative('.', f)} imports ${relative('.', target)}: '${from}' may not import '${to}'`);
    }
  }
  graph.set(f, deps);
}

// Cycle detection over files (depth-first, three colours).
const colour = new Map();
const stack = [];
function visit(f) {
  colour.set(f, 'grey');
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue;
    if (colour.get(d) === 'grey') {
      const cycle = stack.slice(stack.indexOf(d)).concat(d).map((x) => relative('.', x));
      problems.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (!colour.has(d)) visit(d);
  }
  stack.pop();
  colour.set(f, 'black');
}
for (const f of files) if (!colour.has(f)) visit(f);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`imports ok: ${files.length} files, layering and no cycles`);
