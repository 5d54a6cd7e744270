/**
 * What no-timer-list.conf.example says it costs is what it costs: with exactly its capabilities
 * (CAP_SYSLOG, as a non-root user, the way the unit runs), only timer-list (turned off by the drop-in)
 * and, on guests whose only platform name is in the ACPI tables, hypervisor differ from root. The
 * e2e container cannot show the ACPI part (nspawn's /sys/firmware is not readable there), so it is
 * checked here with setpriv.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

const DROPIN = path.join(ROOT, 'systemd/clockdoctor.service.d/no-timer-list.conf.example');
type Sources = Record<string, { state: string; error?: string }>;

let cli = CLI;
let copy: string | null = null;
beforeAll(async () => {
  // nobody must be able to read the CLI: a checkout under /root would fail for an unrelated reason.
  const probe = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', CLI], { reject: false });
  if (probe.exitCode === 0) return;
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dropin-'));
  fs.chmodSync(copy, 0o755);
  for (const part of ['dist', 'node_modules', 'package.json']) fs.cpSync(path.join(ROOT, part), path.join(copy, part), { recursive: true });
  cli = path.join(copy, 'dist/agent/cli.js');
});
afterAll(() => {
  if (copy !== null) fs.rmSync(copy, { recursive: true, force: true });
});

const states = async (prefix: string[]): Promise<Sources> => {
  const r = await execa(prefix[0] ?? 'node', [...prefix.slice(1), 'node', cli, 'check', '--json'], { reject: false });
  return (JSON.parse(r.stdout) as { sources: Sources }).sources;
};

describe.runIf(process.geteuid?.() === 0)('no-timer-list drop-in: the losses its comment names, and no others', () => {
  it('as a user with only its capabilities, every collector but timer-list and (ACPI-only) hypervisor fares as for root', async () => {
    const text = fs.readFileSync(DROPIN, 'utf8');
    const caps = [...text.matchAll(/^AmbientCapabilities=(.+)$/gm)].map((m) => m[1]?.trim() ?? '').filter((c) => c !== '');
    expect(caps).toEqual(['CAP_SYSLOG']);
    expect(text).toMatch(/--no-collector\.timer-list/);
    expect(text).toMatch(/hypervisor collector: the ACPI tables/);
    const names = caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
    const root = await states(['env']);
    const dropin = await states(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${names}`, `--ambient-caps=${names}`]);
    const acpiOnly = !fs.existsSync('/sys/class/dmi/id/sys_vendor') && !fs.existsSync('/sys/hypervisor/type') && fs.existsSync('/sys/firmware/acpi/tables/FACP');
    for (const [name, s] of Object.entries(root)) {
      if (name === 'timer-list') continue;
      if (name === 'hypervisor' && acpiOnly && s.state === 'ok') {
        expect(dropin.hypervisor?.state).toBe('absent');
        expect(dropin.hypervisor?.error).toMatch(/readable by root only/);
        continue;
      }
      expect(`${name}: ${dropin[name]?.state}`).toBe(`${name}: ${s.state}`);
    }
  }, 60_000);
});
