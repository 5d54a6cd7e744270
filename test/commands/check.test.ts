import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { checkCommand } from '../../agent/commands/check.js';
import { runCommand } from '../helpers/run-command.js';
import { DEFAULT_ROOTS, procPath, sysPath } from '../../agent/roots.js';
import { FACT_KEYS } from '../../agent/facts.js';

const CORPUS = 'test/fixtures/captures/firecracker-kvm-6.18';
const OWN = 'test/fixtures/captures/firecracker-kvm-6.18-collected';

/** Run `clockdoctor check ...` in-process: stdout, stderr and the exit code the CLI would return. */
const check = (...args: string[]): Promise<{ out: string; err: string; code: number }> => runCommand([checkCommand as never], ['check', ...args]);

describe('clockdoctor check --from a capture', () => {
  it('--json: the analyze schema, with the guest sections filled from the capture', async () => {
    const r = await check('--from', CORPUS, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { schemaVersion: number; exitCode: number; inputs: unknown[]; sources: Record<string, { state: string }>; facts: Record<string, any> };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.exitCode).toBe(0);
    expect(doc.inputs).toEqual([]);
    expect(Object.keys(doc.facts)).toEqual([...FACT_KEYS, 'user']);
    expect(doc.facts.clocksource).toMatchObject({ current: 'tsc', available: ['tsc', 'kvm-clock'] });
    expect(doc.facts.clockevents.devices).toHaveLength(2);
    expect(doc.facts.kernelLog.hypervisor).toBe('KVM');
    expect(doc.facts.kernelLog.tscDetectedKhz).toBe(2_000_000);
    expect(doc.facts.timerList.tickMode).toBe('oneshot');
    expect(doc.facts.cmdline.clocksource).toBeNull();
    expect(doc.facts.vbox).toBeNull();
    expect(doc.sources.timesync?.state).toBe('absent');
    expect(doc.sources['clock-read-cost']?.state).toBe('absent');
  });

  it('the report names the capture, its machine facts and what was absent', async () => {
    const r = await check('--from', OWN, '--no-color');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Capture ${OWN}`);
    expect(r.out).toContain('platform: Firecracker (ACPI OEM FIRECK)');
    expect(r.out).toContain('time sync: chronyd pid 16144');
    expect(r.out).toContain('clocksource: current tsc; available tsc kvm-clock');
    expect(r.out).toMatch(/Collectors: 8 ok, 2 absent, 0 failed\n {2}rtc: absent — no RTC/);
    // Our blocks sit before the verdict, which stays last.
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('Verdict: healthy (exit 0)');
  });

  it('--no-collector.NAME and --collector.disable-defaults', async () => {
    const r = await check('--from', CORPUS, '--json', '--no-collector.kernel-log');
    const doc = JSON.parse(r.out) as { sources: Record<string, unknown>; facts: Record<string, unknown> };
    expect(doc.sources['kernel-log']).toBeUndefined();
    expect(doc.facts.kernelLog).toBeNull();
    const only = JSON.parse((await check('--from', CORPUS, '--json', '--collector.disable-defaults', '--collector.clocksource')).out) as { sources: Record<string, unknown> };
    expect(Object.keys(only.sources)).toEqual(['clocksource']);
  });

  it('usage and input errors map to 64 and 66', async () => {
    expect((await check('--from', 'test/fixtures/captures/no-such-capture')).code).toBe(66);
    const both = await check('--from', CORPUS, '--path.procfs', '/elsewhere');
    expect(both.code).toBe(64);
    expect(both.err).toMatch(/cannot be combined/);
    expect((await check('--collector.timeout', 'soon')).code).toBe(64);
    expect((await check('--collector.no-such-thing')).code).toBe(64);
    expect((await check('--from', CORPUS, '--host-tsc-hz', '3.4THz')).code).toBe(64);
  });
});

describe('clockdoctor check on this machine', () => {
  it('reports the real clocksource, available clocksources and the timer/kernel facts', async () => {
    const r = await check('--json');
    expect([0, 1, 2]).toContain(r.code);
    const doc = JSON.parse(r.out) as { sources: Record<string, { state: string; error?: string }>; facts: Record<string, any> };
    const cs = sysPath(DEFAULT_ROOTS, 'devices/system/clocksource/clocksource0');
    if (!fs.existsSync(cs)) return;
    expect(doc.facts.clocksource.current).toBe(fs.readFileSync(`${cs}/current_clocksource`, 'utf8').trim());
    expect(doc.facts.clocksource.available).toEqual(fs.readFileSync(`${cs}/available_clocksource`, 'utf8').trim().split(/\s+/));
    if (process.geteuid?.() === 0) {
      // As root every guest source this machine has is readable.
      for (const name of ['clocksource', 'clockevents', 'kernel-log', 'timer-list', 'cpuinfo', 'cmdline', 'timesync', 'clock-read-cost']) {
        expect(doc.sources[name]?.state, `${name}: ${doc.sources[name]?.error}`).toBe('ok');
      }
      expect(doc.facts.timerList.tickMode).toMatch(/^(oneshot|periodic)$/);
      expect(doc.facts.kernelLog.tscDetectedKhz).toBe(doc.facts.cpuinfo.cpuKhz);
      // Read the kernel's own words with dmesg, independently of our kmsg reader and parser.
      const dmesg = spawnSync('dmesg', [], { encoding: 'utf8' }).stdout;
      const hv = /Hypervisor detected: (.+)$/m.exec(dmesg)?.[1]?.trim() ?? null;
      expect(doc.facts.kernelLog.hypervisor).toBe(hv);
      const mhz = /tsc: Detected (\d+)\.(\d{3}) MHz (?:processor|TSC)/.exec(dmesg);
      if (mhz) expect(doc.facts.kernelLog.tscDetectedKhz).toBe(Number(mhz[1]) * 1000 + Number(mhz[2]));
      const timerList = fs.readFileSync(procPath(DEFAULT_ROOTS, 'timer_list'), 'utf8');
      const perCpuMode = /Tick Device: mode:\s+(\d)\s*\nPer CPU device: 0/.exec(timerList)?.[1];
      expect(perCpuMode).toBeDefined();
      expect(doc.facts.timerList.tickMode).toBe(perCpuMode === '1' ? 'oneshot' : 'periodic');
    }
  });

  it('as an unprivileged user it still works and says what it could not read and why', () => {
    const cli = 'dist/agent/cli.js';
    expect(fs.existsSync(cli), 'build first: npx tsc -p tsconfig.build.json').toBe(true);
    const asRoot = process.geteuid?.() === 0;
    const cmd = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'check', '--json']] as const : [process.execPath, [cli, 'check', '--json']] as const;
    const r = spawnSync(cmd[0], cmd[1], { encoding: 'utf8', timeout: 30_000 });
    expect([0, 1, 2], r.stderr).toContain(r.status);
    const doc = JSON.parse(r.stdout) as { sources: Record<string, { state: string; error?: string }>; facts: Record<string, any> };
    expect(doc.sources.clocksource?.state).toBe('ok');
    expect(doc.sources.cpuinfo?.state).toBe('ok');
    const restrict = fs.readFileSync(procPath(DEFAULT_ROOTS, 'sys/kernel/dmesg_restrict'), 'utf8').trim();
    if (restrict === '1') {
      expect(doc.sources['kernel-log']?.state).toBe('failed');
      expect(doc.sources['kernel-log']?.error).toMatch(/CAP_SYSLOG/);
      expect(doc.sources['kernel-log']?.error).toMatch(/dmesg_restrict=1/);
      expect(r.stderr).toMatch(/kernel-log: permission denied/);
    }
    if (doc.sources['timer-list']?.state === 'failed') expect(doc.sources['timer-list']?.error).toMatch(/root only/);
  });
});
