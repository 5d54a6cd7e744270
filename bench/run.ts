/**
 * `npm run bench [-- NAME...]`: runs the benchmarks that check the speed and memory targets of the
 * issues. Machines are shared and noisy, so every benchmark compares ratios within one run and quotes
 * medians; none of this is a timed test.
 */
const BENCHES: Record<string, { file: string; what: string }> = {
  analyze: { file: './analyze.js', what: 'analyze a 270 MB VBox.log vs grep -c (ratio ≤ 1.5, RSS < 150 MB)' },
  'analyze-kernel': { file: './analyze-kernel.js', what: "analyze a 500 MB kernel log vs grep -ciE 'tsc|clocksource' (ratio ≤ 2, RSS < 150 MB)" },
  startup: { file: './startup.js', what: '--version and analyze on a small file vs node -e 0 (ratio ≤ 2)' },
  simulate: { file: './simulate.js', what: 'one simulated year with a corrector and lost ticks (≤ 100 ms)' },
  'parsers-linear': { file: './parsers-linear.js', what: 'parser time grows linearly with input size' },
  measure: { file: './measure.js', what: 'measure precision against duration on a loopback NTP server, idle and beside 2 CPU hogs' },
  agent: { file: './agent.js', what: 'per-refresh CPU and context switches (--refresh 10s, ≤ 15 ms, ≤ 100), cost per minute and scrape latency vs node_exporter, RSS over 10 000 scrapes, idle wake-ups' },
  load: { file: './load.js', what: 'agent under hundreds of concurrent and hostile clients' },
  attacks: { file: './attacks.js', what: 'issue 15 attacks on the agent as the unit runs it: scrapes < 1 s, RSS < 150 MB, fds back' },
  soak: { file: './soak.js', what: 'long soak: refresh cycles with failing collectors; RSS and fds' },
};

/** The default set: everything but the long soak (`npm run soak`). */
const DEFAULT = Object.keys(BENCHES).filter((n) => n !== 'soak');

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: npm run bench [-- NAME...]\n\n${Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(15)} ${b.what}`).join('\n')}\n`);
    return 0;
  }
  const names = argv.length > 0 ? argv : DEFAULT;
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    return 64;
  }
  let failed = 0;
  for (const name of names) {
    const bench = BENCHES[name]!;
    process.stdout.write(`\n=== ${name}: ${bench.what}\n`);
    const started = Date.now();
    try {
      const mod = (await import(bench.file)) as { run: () => Promise<void | boolean> };
      const ok = await mod.run();
      if (ok === false) failed++;
    } catch (err) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.stdout.write(`=== ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
