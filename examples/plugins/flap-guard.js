// A custom Vigil plugin: stops a program that crashes more than `max` times within `window`.
//
//   [plugin:flap-guard]
//   use = %(here)s/plugins/flap-guard.js
//   events = PROCESS_STATE_EXITED
//   max = 5
//   window = 60s
//
// A plugin module exports a factory (options, ctx) => plugin. Options are read (and validated) through
// `options`; a bad value stops vigild at startup with "[plugin:flap-guard] ...: max: ...".
'use strict';

module.exports = function create(options, ctx) {
  const max = options.integer('max', 5);
  const windowMs = options.duration('window', 60_000);
  options.rejectUnknown();

  return {
    events: ['PROCESS_STATE_EXITED'],
    async handle(event) {
      if (event.payload.expected !== 0) return; // a clean exit is not a crash
      const program = `${event.payload.groupname}:${event.payload.processname}`;
      // ctx.state is shared by every host of this plugin (on disk, or in Redis): counts survive restarts.
      const crashes = await ctx.state.increment(`crashes:${program}`, 1, { ttlMs: windowMs });
      ctx.log.info(`${program} crashed (${crashes} within ${windowMs / 1000}s) on ${event.node}`);
      if (crashes === max + 1) {
        ctx.log.warn(`${program} crashed ${crashes} times within ${windowMs / 1000}s: stopping it`);
        // Throwing here would retry the event with backoff; a stop that fails (already stopped) is fine.
        await ctx.control(event.node).stopProcess(program).catch((e) => ctx.log.warn(`stop ${program}: ${e.message}`));
      }
    },
  };
};
