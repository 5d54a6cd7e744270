/**
 * A guest's own word on its virtualisation → VirtFacts. Pure.
 *
 * `systemd-detect-virt` prints one id (systemd's list: `kvm`, `qemu`, `amazon`, `microsoft`, `oracle`,
 * `vmware`, `xen`, `parallels`, `bhyve`, `apple`, `google`, …, or `none`; containers `wsl`, `docker`,
 * `podman`, `lxc`, …) and `virt-what` one fact per line — nothing at all on bare metal, so its prompt
 * with no output below is evidence. `hostnamectl` right-aligns its keys (`    Virtualization: kvm`).
 * `Get-VMIntegrationService` (PowerShell, on the Hyper-V host) is a table: VM, service, enabled, status.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { VirtFacts } from './facts.js';
import { excerpt } from '../text/lines.js';
import { keyColon, startsWithAny } from '../text/bytes.js';

/** systemd's virtualisation ids (src/basic/virt.c). */
export const SYSTEMD_VIRT_IDS = new Set(['kvm', 'amazon', 'qemu', 'bochs', 'xen', 'uml', 'vmware', 'oracle', 'microsoft', 'zvm', 'parallels', 'bhyve', 'qnx', 'acrn', 'powervm', 'apple', 'sre', 'google', 'vm-other', 'none',
  'systemd-nspawn', 'lxc-libvirt', 'lxc', 'openvz', 'docker', 'podman', 'rkt', 'wsl', 'proot', 'pouch', 'container-other']);
/** virt-what's facts (virt-what.in). */
const VIRT_WHAT = /^(?:hyperv|kvm|qemu|virtualbox|vmware|xen|xen-dom0|xen-domU|xen-hvm|aws|google_cloud|alibaba_cloud|azure|bhyve|docker|lxc|openvz|parallels|podman|wsl|uml|nutanix_ahv|redhat|rhev|ovirt|lkvm|linux_vserver(?:-\w+)?|virtage|powervm_lx86|ldoms(?:-\w+)?|illumos-lx|ibm_systemz(?:-\w+)?|ibm_power-\S+|apple|oci|ibm_cloud)$/;
const HOSTNAMECTL_OWN = new Set(['Static hostname', 'Transient hostname', 'Pretty hostname', 'Icon name', 'Chassis', 'Machine ID', 'Boot ID', 'Operating System', 'CPE OS Name', 'Hardware Vendor', 'Hardware Model', 'Firmware Version', 'Firmware Date', 'Firmware Age', 'Hardware Serial', 'OS Support End']);
const HOSTNAMECTL_SHARED = new Set(['Virtualization', 'Kernel', 'Architecture']);
const HOSTNAMECTL_LINE = /^\s*([A-Z][A-Za-z ]{2,20}): (.+?)\s*$/;
/** Service names as Hyper-V prints them, English and German (a German host prints `Zeitsynchronisierung`). */
const SERVICE_NAMES: Record<string, string> = {
  'Time Synchronization': 'Time Synchronization', Zeitsynchronisierung: 'Time Synchronization',
  Heartbeat: 'Heartbeat', Takt: 'Heartbeat', 'Key-Value Pair Exchange': 'Key-Value Pair Exchange', 'Austausch von Schlüsselwertepaaren': 'Key-Value Pair Exchange',
  Shutdown: 'Shutdown', Herunterfahren: 'Shutdown', VSS: 'VSS', 'Guest Service Interface': 'Guest Service Interface', Gastdienstschnittstelle: 'Guest Service Interface',
};
const SERVICES = Object.keys(SERVICE_NAMES).map((n) => n.replace(/[-()]/g, '\\$&')).join('|');
const INTEGRATION = new RegExp(String.raw`^(?:(.*?)\s+)?(${SERVICES})\s+(True|False)\b\s*(\S.*?)?\s*$`);

type Mode = 'detect-virt' | 'virt-what' | 'hostnamectl' | 'integration' | null;

function modeOf(command: string | null): Mode {
  if (command === null) return null;
  if (/\bsystemd-detect-virt\b/.test(command)) return 'detect-virt';
  if (/\bvirt-what\b/.test(command)) return 'virt-what';
  if (/\bhostnamectl\b/.test(command)) return 'hostnamectl';
  if (/\bGet-VMIntegrationService\b/i.test(command)) return 'integration';
  return null;
}

interface State {
  facts: VirtFacts;
  recognised: number;
  mode: Mode;
  /** Lines virt-what printed since its prompt (null: no virt-what prompt open). */
  virtWhatOpen: string[] | null;
  hostnamectl: boolean;
  /** Below a `Get-VMIntegrationService` table's header (`VMName Name Enabled …`), until a blank line. */
  table: boolean;
}

function closeVirtWhat(s: State): void {
  if (s.virtWhatOpen === null) return;
  s.facts.virtWhat = [...(s.facts.virtWhat ?? []), ...s.virtWhatOpen];
  s.virtWhatOpen = null;
}

const HOST_KEYS: Record<string, keyof VirtFacts> = {
  Virtualization: 'virtualization', Chassis: 'chassis', Architecture: 'architecture', Kernel: 'kernel',
  'Hardware Vendor': 'hardwareVendor', 'Hardware Model': 'hardwareModel', 'Static hostname': 'hostname',
};

function hostnamectlLine(s: State, t: string, ref: LineRef): boolean {
  const m = HOSTNAMECTL_LINE.exec(t);
  if (m === null) return false;
  const key = m[1]!;
  const own = HOSTNAMECTL_OWN.has(key);
  if (!own && !(HOSTNAMECTL_SHARED.has(key) && (s.hostnamectl || s.mode === 'hostnamectl'))) return false;
  // lscpu's `Virtualization: VT-x` is the CPU's extension, not this.
  if (key === 'Virtualization' && !SYSTEMD_VIRT_IDS.has(m[2]!.trim())) return false;
  if (own) s.hostnamectl = true;
  const fact = HOST_KEYS[key];
  if (fact !== undefined && (s.facts[fact] === null)) {
    (s.facts as unknown as Record<string, unknown>)[fact] = m[2]!.replace(/\s+\S*[^\x20-\x7e]\S*$/u, '').trim();
    s.facts.refs[fact] = ref;
  }
  return true;
}

function integrationLine(s: State, t: string, ref: LineRef): boolean {
  const m = INTEGRATION.exec(t);
  if (m === null) return false;
  s.facts.integrationServices.push({ ...ref, vmName: m[1]?.trim() || null, name: SERVICE_NAMES[m[2]!] ?? m[2]!, enabled: m[3] === 'True', status: m[4]?.split(/\s{2,}/)[0]?.trim() ?? null });
  return true;
}

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const t = line.trim();
  if (/^VMName\s+Name\s+Enabled\b/.test(t)) { s.table = true; return; }
  if (t === '') { if (s.facts.integrationServices.length > 0) s.table = false; return; }
  const ref = { line: lineNo, excerpt: excerpt(line) };
  const mode = modeOf(ctx?.command ?? null) ?? s.mode;
  if (mode === 'detect-virt' && SYSTEMD_VIRT_IDS.has(t) && s.facts.systemdDetectVirt === null) {
    s.facts.systemdDetectVirt = t;
    s.facts.refs.systemdDetectVirt = ref;
    s.recognised++;
    return;
  }
  if (mode === 'virt-what' && s.virtWhatOpen !== null) {
    if (VIRT_WHAT.test(t)) {
      if (s.virtWhatOpen.length === 0) s.facts.refs.virtWhat = ref;
      s.virtWhatOpen.push(t);
      s.recognised++;
      return;
    }
    if (/^virt-what: .*root/.test(t)) { s.virtWhatOpen = null; s.recognised++; return; }
    closeVirtWhat(s);
  }
  if (hostnamectlLine(s, line, ref) || ((s.table || mode === 'integration') && integrationLine(s, t, ref))) { s.recognised++; return; }
}

function onPrompt(s: State, command: string, lineNo: number, line: string): void {
  closeVirtWhat(s);
  s.mode = modeOf(command);
  s.hostnamectl = false;
  if (s.mode === 'virt-what') {
    s.virtWhatOpen = [];
    s.facts.refs.virtWhat = { line: lineNo, excerpt: excerpt(line) };
    s.recognised++;
  }
}

/** A streaming parser of guest virtualisation reports for the text router. */
export function createVirtParser(path: string | null = null): KindParser<VirtFacts> {
  const s: State = {
    facts: { path, refs: {}, systemdDetectVirt: null, virtWhat: null, virtualization: null, chassis: null, architecture: null, kernel: null, hardwareVendor: null, hardwareModel: null, hostname: null, integrationServices: [] },
    recognised: 0, mode: null, virtWhatOpen: null, hostnamectl: false, table: false,
  };
  return {
    // Under its commands' prompts, hostnamectl's `Key: value`, or an integration-service row.
    wants: (buf, start, end) => s.mode !== null || s.table || keyColon(buf, start, end, 24) || startsWithAny(buf, start, end, ['VMName']),
    quietOnDaemon: () => s.mode === null && !s.table,
    prompt: (command, _host, lineNo, line) => onPrompt(s, command, lineNo, line),
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => { closeVirtWhat(s); return s.facts; },
  };
}
