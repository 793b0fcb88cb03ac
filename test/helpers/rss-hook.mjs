// Preloaded with `node --import` by tests that bound a child's memory: prints its peak RSS on exit.
process.on('exit', () => {
  process.stderr.write(`MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
