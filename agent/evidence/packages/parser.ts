/**
 * Package listings → PackagesFacts: `rpm -qa` / `rpm -q` (`name-version-release.arch`), `dpkg -l`
 * (`ii  name  version  arch  description`), `apt list --installed` (`name/suite version arch [installed]`),
 * `yum|dnf list installed` (`name.arch  version  @repo`), `pacman -Q` (`name version`). Pure.
 *
 * Only packages that matter for clocks are kept (the table below). A line counts as this kind's when
 * it names one of them, or when it is any package line under a package manager's prompt.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { PackageEntry, PackagesFacts, PackageRole } from './facts.js';
import type { HypervisorName } from '../hints.js';
import { excerpt } from '../text/lines.js';
import { skipBlanks } from '../text/bytes.js';

const MAX = 500;

interface Relevant { role: PackageRole; daemon?: string; hypervisor?: HypervisorName; label: string }

/** Packages that matter for clocks. Guest tools say which hypervisor the image was made for. */
const RELEVANT: readonly [RegExp, Relevant][] = [
  [/^chrony$/, { role: 'time-sync', daemon: 'chronyd', label: 'chrony' }],
  [/^ntp$/, { role: 'time-sync', daemon: 'ntpd', label: 'ntp (ntpd)' }],
  [/^ntpsec$/, { role: 'time-sync', daemon: 'ntpd', label: 'NTPsec (ntpd)' }],
  [/^openntpd$/, { role: 'time-sync', daemon: 'openntpd', label: 'OpenNTPD' }],
  [/^ntpdate$|^sntp$/, { role: 'time-sync', label: 'one-shot NTP client' }],
  [/^systemd-timesyncd$/, { role: 'time-sync', daemon: 'systemd-timesyncd', label: 'systemd-timesyncd' }],
  [/^open-vm-tools(?:-desktop)?$|^vmware-tools(?:-[\w-]+)?$/, { role: 'guest-tools', daemon: 'vmtoolsd', hypervisor: 'vmware', label: 'VMware Tools (open-vm-tools)' }],
  [/^(?:kmod-)?microsoft-hyper-v(?:-[\w-]+)?$/, { role: 'guest-tools', hypervisor: 'hyperv', label: 'Linux Integration Services for Hyper-V (LIS)' }],
  [/^hyperv-daemons(?:-license)?$|^hyperv(?:kvp|vss|fcopy)d$|^hyperv-tools$/, { role: 'guest-tools', hypervisor: 'hyperv', label: 'Hyper-V daemons' }],
  [/^virtualbox-guest-(?:additions|utils|x11|dkms|modules\S*|source)(?:-hwe)?$|^VirtualBox-guest(?:-additions)?$/i, { role: 'guest-tools', daemon: 'VBoxService', hypervisor: 'virtualbox', label: 'VirtualBox Guest Additions' }],
  [/^qemu-guest-agent$/, { role: 'guest-tools', hypervisor: 'kvm', label: 'QEMU guest agent' }],
  [/^xe-guest-utilities(?:-xenstore)?$|^xen-guest-agent$/, { role: 'guest-tools', hypervisor: 'xen', label: 'Xen guest utilities' }],
  [/^(?:prl-tools|parallels-tools)$/, { role: 'guest-tools', hypervisor: 'parallels', label: 'Parallels Tools' }],
  [/^linux-(?:image-)?(?:[\d.]+-\d+-)?azure(?:-[\w.-]+)?$|^kernel-azure$/, { role: 'kernel', hypervisor: 'hyperv', label: 'Azure kernel (linux-azure)' }],
  [/^linux-(?:image-)?(?:[\d.]+-\d+-)?gcp(?:-[\w.-]+)?$/, { role: 'kernel', hypervisor: 'kvm', label: 'Google Cloud kernel (linux-gcp)' }],
  [/^linux-(?:image-)?(?:[\d.]+-\d+-)?aws(?:-[\w.-]+)?$/, { role: 'kernel', label: 'AWS kernel (linux-aws)' }],
  [/^linuxptp$/, { role: 'ptp-tools', label: 'linuxptp (ptp4l, phc2sys)' }],
];

const ARCH = 'x86_64|i[3-6]86|noarch|aarch64|ppc64le|ppc64|s390x|armv7hl|armhfp|riscv64|src';
const RPM = new RegExp(String.raw`^([A-Za-z0-9][\w.+]*(?:-[A-Za-z][\w.+]*|-\d+[A-Za-z][\w.+]*)*)-((?:\d+:)?\d[\w.+~^]*)-([\w.+~^]+?)(?:\.(${ARCH}))?$`);
const DPKG = /^([uihrp][ncHUFWti])[ R]?\s+([a-z0-9][\w.+-]*?)(?::[\w-]+)?\s+(\S+)\s+(\S+)(?:\s+.*)?$/;
const APT = /^([a-z0-9][\w.+-]*)\/(\S+)\s+(\S+)\s+(\S+)(?:\s+\[([^\]]+)\])?$/;
const YUM = new RegExp(String.raw`^([A-Za-z0-9][\w.+-]*)\.(${ARCH})\s+(\S+)\s+(@?\S+)$`);
const NOT_INSTALLED = /^package (\S+) is not installed$/;

interface Line { name: string; version: string | null; manager: PackageEntry['manager']; installed: boolean }

/** Which package manager's listing a command is, if any. */
function managerOf(command: string | null): PackageEntry['manager'] | null {
  if (command === null) return null;
  const m = /(?:^|[;&|]\s*)(?:sudo\s+)?(rpm|dpkg(?:-query)?|apt|apt-cache|yum|dnf|pacman|apk)\b/.exec(command);
  if (m === null) return null;
  const t = m[1]!;
  return t.startsWith('dpkg') ? 'dpkg' : t.startsWith('apt') ? 'apt' : t === 'dnf' ? 'yum' : (t as PackageEntry['manager']);
}

/** Each listing format; the last two need their prompt (their shape alone is too plain). */
const FORMATS: readonly ((t: string, mgr: PackageEntry['manager'] | null) => Line | null)[] = [
  (t) => { const m = NOT_INSTALLED.exec(t); return m === null ? null : { name: m[1]!, version: null, manager: 'rpm', installed: false }; },
  (t) => { const m = DPKG.exec(t); return m === null ? null : { name: m[2]!, version: m[3]!, manager: 'dpkg', installed: m[1]!.startsWith('i') && m[1] !== 'in' }; },
  (t) => { const m = APT.exec(t); return m === null ? null : { name: m[1]!, version: m[3]!, manager: 'apt', installed: m[5] !== undefined && /installed|upgradable/.test(m[5]) }; },
  (t) => { const m = YUM.exec(t); return m === null ? null : { name: m[1]!, version: m[3]!, manager: 'yum', installed: true }; },
  (t) => { const m = RPM.exec(t); return m === null ? null : { name: m[1]!, version: `${m[2]}-${m[3]}`, manager: 'rpm', installed: true }; },
  (t, mgr) => { if (mgr !== 'pacman' && mgr !== 'apk') return null; const m = /^([a-z0-9][\w.+-]*)[ -](\d\S*)$/.exec(t); return m === null ? null : { name: m[1]!, version: m[2]!, manager: mgr, installed: true }; },
];

function parseLine(t: string, mgr: PackageEntry['manager'] | null): Line | null {
  for (const f of FORMATS) {
    const l = f(t, mgr);
    if (l !== null) return l;
  }
  return null;
}

interface State { facts: PackagesFacts; recognised: number }

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const t = line.trim();
  if (t === '' || t.length > 300) return;
  const mgr = managerOf(ctx?.command ?? null);
  const l = parseLine(t, mgr);
  if (l === null) return;
  const rel = RELEVANT.find(([re]) => re.test(l.name))?.[1];
  if (rel === undefined && mgr === null) return;
  s.recognised++;
  s.facts.listed++;
  if (rel === undefined || s.facts.packages.length >= MAX) return;
  const ref: LineRef = { line: lineNo, excerpt: excerpt(line) };
  s.facts.packages.push({ ...ref, name: l.name, version: l.version, manager: l.manager, installed: l.installed, role: rel.role, daemon: rel.daemon ?? null, hypervisor: rel.hypervisor ?? null, label: rel.label });
}

/** A streaming parser of package listings for the text router. */
export function createPackagesParser(path: string | null = null): KindParser<PackagesFacts> {
  const s: State = { facts: { path, refs: {}, packages: [], listed: 0 }, recognised: 0 };
  let underManager = false;
  return {
    // Package lines start with a lower-case name or dpkg's status (`VirtualBox-guest…` aside); log lines do not.
    wants(buf, start, end) {
      if (underManager) return true;
      const b = buf[skipBlanks(buf, start, end)];
      return b !== undefined && ((b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 86 /* V */);
    },
    quietOnDaemon: () => !underManager,
    prompt(command) {
      underManager = managerOf(command) !== null;
    },
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => s.facts,
  };
}
