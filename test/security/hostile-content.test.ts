/**
 * Hostile content: a VM name (or any log text) that ends up in a printed fix command must paste as
 * exactly that command, and nothing from an input may reach the terminal as a raw control sequence.
 * Checked end to end: the real CLI (dist/agent/cli.js) analyzes a real VBox.log whose VM name was
 * replaced, the printed `VBoxManage …` line is run by bash and by sh with a fake VBoxManage on PATH
 * that records its argv, and the argv must equal the original name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { diagnose } from '../../agent/diagnose.js';
import { emptyFacts } from '../../agent/facts.js';
import { CLI, ROOT } from '../helpers/cli.js';

// A real 5.1 log with the KVM provider and a RealTscOffset switch (see test/fixtures/fuzz/SOURCE.md).
const SEED = fs.readFileSync(path.join(ROOT, 'test/fixtures/fuzz/vbox/v5.1.38-linux-intel-kvm-mohitpandey.log.1'), 'latin1');
const NAME_FIELD = '"mohit" (cb=6)';

// Made at load time: the names below embed `pwned`, and test names are computed before any hook runs.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-hostile-'));
const bin = path.join(dir, 'bin');
const pwned = path.join(dir, 'PWNED');

// Raw ESC, BEL, C1 (U+0080–U+009F) and bidi overrides: none may be written to the terminal as is.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u001b\u0007\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  fs.mkdirSync(bin);
  // Records its argv, one NUL-terminated word each, so any byte of a name survives the check.
  fs.writeFileSync(path.join(bin, 'VBoxManage'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done > "$ARGV_OUT"\n', { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function hostileNames(): string[] {
  return [
    `it's`,
    `"double" quotes`,
    `$(touch ${pwned})`,
    `\`touch ${pwned}\``,
    `a; touch ${pwned}; b`,
    `x && touch ${pwned} || y`,
    `ünïcödé Ω 時計 ✓ 🕰`,
    `\x1b]0;owned title\x07 \x1b[31mred\x1b[0m \x1b[2J`,
    `c1 \u009b31m csi \u0090dcs\u009c \u0085nel`,
    `bidi \u202egnp.exe`,
    `tab\tseparated\tname`,
    `back\\slash $HOME \${PATH} %s *?[a]{b,c}~!#`,
    `'; touch ${pwned}; echo '`,
  ];
}

function writeLog(name: string): string {
  const cb = Buffer.byteLength(name, 'utf8') + 1;
  const text = SEED.replace(NAME_FIELD, `"${name}" (cb=${cb})`);
  const p = path.join(dir, `vm-${Math.random().toString(36).slice(2)}.log`);
  fs.writeFileSync(p, Buffer.concat([Buffer.from(text.slice(0, text.indexOf(`"${name}"`)), 'latin1'), Buffer.from(text.slice(text.indexOf(`"${name}"`), text.indexOf(`"${name}"`) + name.length + 2), 'utf8'), Buffer.from(text.slice(text.indexOf(`"${name}"`) + name.length + 2), 'latin1')]));
  return p;
}

function cli(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Run one printed command line in a shell; return the argv the fake VBoxManage received. */
function pasteInto(shell: string, line: string): string[] {
  const out = path.join(dir, 'argv');
  fs.rmSync(out, { force: true });
  execFileSync(shell, ['-c', line], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, ARGV_OUT: out }, stdio: 'pipe' });
  return fs.readFileSync(out, 'utf8').split('\0').slice(0, -1);
}

describe('a hostile VM name in a real VBox.log', () => {
  it.each(hostileNames().map((n) => [JSON.stringify(n), n]))('%s: printed fix commands paste exactly; no raw control reaches the terminal', (_label, name) => {
    const log = writeLog(name);
    const r = cli(['analyze', log, '--host-tsc-hz', '3400109000']);
    expect(r.status, r.stderr).toBe(2);
    expect(RAW_CONTROL.test(r.stdout), 'raw control in stdout').toBe(false);
    expect(RAW_CONTROL.test(r.stderr), 'raw control in stderr').toBe(false);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('VBoxManage '));
    expect(commands.length).toBeGreaterThanOrEqual(1);
    expect(commands.some((l) => l.includes('setextradata'))).toBe(true);
    for (const line of commands) {
      for (const shell of ['bash', 'sh']) {
        const argv = pasteInto(shell, line);
        expect(argv[1], `${shell}: ${line}`).toBe(name);
        if (argv[0] === 'setextradata') expect(argv.slice(2)).toEqual(['VBoxInternal/TM/TSCTicksPerSecond', '3400109000']);
      }
    }
    expect(fs.existsSync(pwned)).toBe(false);

    // The JSON document stays valid, keeps the name exactly, and its fix commands paste exactly too.
    const j = cli(['analyze', log, '--host-tsc-hz', '3400109000', '--json']);
    expect(j.stdout.includes('\x1b')).toBe(false);
    const doc = JSON.parse(j.stdout) as { facts: { vbox: { vmName: string } }; findings: { fixes: { command?: string }[] }[] };
    expect(doc.facts.vbox.vmName).toBe(name);
    const jsonCommands = doc.findings.flatMap((f) => f.fixes.map((x) => x.command ?? '')).filter((c) => c.startsWith('VBoxManage '));
    expect(jsonCommands.length).toBeGreaterThanOrEqual(1);
    for (const c of jsonCommands) expect(pasteInto('bash', c)[1]).toBe(name);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('a carriage return inside the name line: the name is not guessed, the command uses the VM_NAME placeholder', () => {
    const log = writeLog(`cr\rname; touch ${pwned}`);
    const j = cli(['analyze', log, '--host-tsc-hz', '3400109000', '--json']);
    const doc = JSON.parse(j.stdout) as { facts: { vbox: { vmName: string | null } }; findings: { fixes: { command?: string }[] }[] };
    expect([null, `cr\rname; touch ${pwned}`]).toContain(doc.facts.vbox.vmName);
    for (const f of doc.findings) for (const x of f.fixes) if (x.command?.startsWith('VBoxManage ')) pasteInto('bash', x.command);
    const r = cli(['analyze', log, '--host-tsc-hz', '3400109000']);
    expect(RAW_CONTROL.test(r.stdout + r.stderr)).toBe(false);
    expect(r.stdout.includes('\r')).toBe(false);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('a name with a newline (possible in facts, not in one log line): the fix command still pastes exactly', () => {
    const facts = { ...emptyFacts({ hostTscHz: 3400109000 }), vbox: { ...parseText(createVboxParser('x'), SEED), vmName: `two\nlines; touch ${pwned}` } };
    const cmds = diagnose(facts).findings.flatMap((f) => f.fixes.map((x) => x.command ?? '')).filter((c) => c.startsWith('VBoxManage '));
    expect(cmds.length).toBeGreaterThanOrEqual(1);
    for (const c of cmds) for (const shell of ['bash', 'sh']) expect(pasteInto(shell, c)[1]).toBe(`two\nlines; touch ${pwned}`);
    expect(fs.existsSync(pwned)).toBe(false);
  });
});

describe('escape sequences anywhere in the input', () => {
  const ESCAPES = ['\x1b[2J\x1b[H', '\x1b]0;pwned\x07', '\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\', '\u009b6n', '\x1bP+q\x1b\\', '\u202e'];

  it('ESC/OSC/CSI/C1 in every line of a VBox.log, a kernel log and cpuinfo: report and errors stay clean, JSON stays valid', () => {
    const taint = (text: string): string => text.split('\n').map((l, i) => (l === '' ? l : `${l}${ESCAPES[i % ESCAPES.length]}`)).join('\n');
    const vbox = path.join(dir, 'tainted-vbox.log');
    fs.writeFileSync(vbox, taint(SEED.replace(NAME_FIELD, `"\x1b]0;t\x07name\u009b2J" (cb=20)`)), 'utf8');
    const dmesg = path.join(dir, 'tainted-dmesg.txt');
    fs.writeFileSync(dmesg, taint(fs.readFileSync(path.join(ROOT, 'test/fixtures/fuzz/dmesg/vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt'), 'utf8')));
    const cpuinfo = path.join(dir, 'tainted-cpuinfo.txt');
    fs.writeFileSync(cpuinfo, taint(fs.readFileSync(path.join(ROOT, 'test/fixtures/fuzz/cpuinfo/hyperv-guest-xeon-w2155-rhel8.txt'), 'utf8')));
    // A file whose very name is hostile.
    const evilName = path.join(dir, 'evil-\x1b[31m-\u009b2J-\x07.log');
    fs.copyFileSync(vbox, evilName);
    for (const args of [[vbox, dmesg, cpuinfo], [evilName], [vbox, '--host-tsc-hz', '3400109000']]) {
      const r = cli(['analyze', ...args]);
      // 65 = a file so tainted it is no longer recognised; the point here is what reaches the terminal.
      expect([0, 1, 2, 65], r.stderr).toContain(r.status);
      expect(RAW_CONTROL.test(r.stdout), `stdout of analyze ${args.join(' ')}`).toBe(false);
      expect(RAW_CONTROL.test(r.stderr), `stderr of analyze ${args.join(' ')}`).toBe(false);
      const j = cli(['analyze', ...args, '--json']);
      expect(() => JSON.parse(j.stdout)).not.toThrow();
      expect(j.stdout.includes('\x1b')).toBe(false);
    }
  });

  it('a capture whose every file carries escapes: check, check --json and fix stay clean', () => {
    const cap = path.join(dir, 'tainted-capture');
    fs.cpSync(path.join(ROOT, 'test/fixtures/capture/firecracker-kvm-6.18'), cap, { recursive: true });
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(cap).filter((f) => !f.endsWith('SOURCE.md'))) {
      const text = fs.readFileSync(f, 'utf8');
      fs.writeFileSync(f, text.split('\n').map((l, i) => (l === '' ? l : `${l}${ESCAPES[i % ESCAPES.length]}`)).join('\n'));
    }
    for (const args of [['check', '--from', cap], ['fix', '--from', cap]]) {
      const r = cli(args);
      expect([0, 1, 2], r.stderr).toContain(r.status);
      expect(RAW_CONTROL.test(r.stdout + r.stderr), `${args[0]}: ${JSON.stringify(r.stdout + r.stderr)}`).toBe(false);
    }
    const j = cli(['check', '--from', cap, '--json']);
    expect(() => JSON.parse(j.stdout)).not.toThrow();
    expect(j.stdout.includes('\x1b')).toBe(false);
  });

  it('error messages naming a hostile path are escaped too (missing file, directory, binary file)', () => {
    const missing = path.join(dir, 'gone-\x1b]0;x\x07.log');
    const asDir = path.join(dir, 'dir-\x1b[2J');
    fs.mkdirSync(asDir);
    const binary = path.join(dir, 'bin-\u009b.dat');
    fs.writeFileSync(binary, Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0, 1, 2, 0xff, 0x9b, 0x36, 0x6e]));
    for (const p of [missing, asDir, binary]) {
      const r = cli(['analyze', p]);
      expect([65, 66], `${r.status} ${r.stderr}`).toContain(r.status);
      expect(RAW_CONTROL.test(r.stdout + r.stderr), JSON.stringify(r.stdout + r.stderr)).toBe(false);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
