/** Hyper-V's Time Synchronization service and the PTP clock it gives the guest. */
import { describe, expect, it } from 'vitest';
import { analyzePastes, byId, ids, words } from './paste.js';
import { psQuote } from '../../analyzers/hyperv-timesync.js';

const HARMFUL = /tsc=reliable|tsc=nowatchdog|notsc/;

describe('HYPERV_TIMESYNC_IC_OFF', () => {
  it('the LIS case: LIS packages and an empty /sys/class/ptp listing → the service is off; enable it on the host', () => {
    const r = analyzePastes({ 'packages/rpm-qa-lis-4.2.8.1.txt': null, 'ptp/lis-rhel7-empty-listing.txt': null });
    const f = byId(r, 'HYPERV_TIMESYNC_IC_OFF');
    expect(f).toMatchObject({ severity: 'warning', data: { kernelProvidesPhc: true, integrationServiceEnabled: null } });
    expect(f!.fixes[0]).toMatchObject({ where: 'host', command: "Enable-VMIntegrationService -VMName 'VM_NAME' -Name 'Time Synchronization'" });
    expect(f!.fixes[1]!.where).toBe('guest');
    expect(words(f)).toMatch(/refclock PHC \/dev\/ptp_hyperv poll 3 dpoll -2 offset 0/);
    expect(words(f)).toMatch(/hv_utils: TimeSync IC version/);
    expect(words(f)).not.toMatch(HARMFUL);
    expect(f!.evidence.map((e) => e.source)).toEqual(['ptp', 'packages']);
  });
  it('the host\'s Get-VMIntegrationService saying False is certain, and names the VM (PowerShell-quoted)', () => {
    const f = byId(analyzePastes({ 'virt/centreon-timesync-disabled.txt': null }), 'HYPERV_TIMESYNC_IC_OFF');
    expect(f).toMatchObject({ severity: 'warning', data: { integrationServiceEnabled: false } });
    expect(f!.fixes[0]!.command).toBe("Enable-VMIntegrationService -VMName 'SRVSAP11' -Name 'Time Synchronization'");
    expect(psQuote("Bob's VM")).toBe("'Bob''s VM'");
  });
  it('without a kernel known to have the PHC it is "most likely" and info', () => {
    const f = byId(analyzePastes({ 'ptp/lis-rhel7-empty-listing.txt': null, 'v.txt': '$ systemd-detect-virt\nmicrosoft\n' }), 'HYPERV_TIMESYNC_IC_OFF');
    expect(f).toMatchObject({ severity: 'info' });
    expect(f!.title).toMatch(/most likely off/);
    const old = byId(analyzePastes({ 'ptp/lis-rhel7-empty-listing.txt': null, 'v.txt': '$ systemd-detect-virt\nmicrosoft\n$ uname -r\n3.10.0-957.5.1.el7.x86_64\n' }), 'HYPERV_TIMESYNC_IC_OFF');
    expect(old).toMatchObject({ severity: 'info', data: { kernelProvidesPhc: false } });
    expect(words(old)).toMatch(/predates hv_utils' PTP clock/);
  });
  it('not when the service is on, not on other hypervisors, not without PTP evidence', () => {
    expect(ids(analyzePastes({ 'ptp/lis-rhel7-empty-listing.txt': null, 'virt/lis-expert-reply.txt': null }))).not.toContain('HYPERV_TIMESYNC_IC_OFF');
    expect(ids(analyzePastes({ 'ptp/lis-rhel7-empty-listing.txt': null, 'v.txt': '$ systemd-detect-virt\nkvm\n' }))).not.toContain('HYPERV_TIMESYNC_IC_OFF');
    expect(ids(analyzePastes({ 'packages/rpm-qa-lis-4.2.8.1.txt': null }))).not.toContain('HYPERV_TIMESYNC_IC_OFF');
  });
  it('service on but no PHC: a kernel without hv_utils\' PTP clock (info)', () => {
    const f = byId(analyzePastes({ 'ptp/lis-rhel7-empty-listing.txt': null, 'virt/lis-expert-reply.txt': null }), 'HYPERV_PHC_MISSING');
    expect(f).toMatchObject({ severity: 'info' });
    expect(f!.fixes[0]!.command).toBe("echo 'refclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0' | sudo tee -a /etc/chrony.conf");
  });
});

describe('PTP_HYPERVISOR_PHC_PRESENT', () => {
  it('a Hyper-V PHC listed alone: info, names the PHC, never advises removing it', () => {
    const r = analyzePastes({ 'k.txt': '$ ls /sys/class/ptp\nptp0\n$ cat /sys/class/ptp/ptp0/clock_name\nhyperv\n' });
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['PTP_HYPERVISOR_PHC_PRESENT', 'info']]);
    const w = words(r.findings[0]);
    expect(w).toMatch(/Hyper-V PTP clock is present \(ptp0, clock_name hyperv\)/);
    expect(w).not.toMatch(/remove .*PHC|disable chrony|hwclock -s|tsc=reliable/);
    expect(r.derived.platform).toMatchObject({ hypervisor: 'hyperv', role: 'guest' });
  });
  it('the Azure case, chrony already locked to PHC0: only TIMESYNC_PHC_HEALTHY speaks, no advice to add the refclock', () => {
    const r = analyzePastes({ 'ptp/azure-hyperv-phc.txt': null });
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['TIMESYNC_PHC_HEALTHY', 'info']]);
  });
  it('KVM\'s ptp_kvm clock suggests /dev/ptp_kvm', () => {
    const f = byId(analyzePastes({ 'k.txt': '$ ls /sys/class/ptp\nptp0\n$ cat /sys/class/ptp/ptp0/clock_name\nKVM virtual PTP\n' }), 'PTP_HYPERVISOR_PHC_PRESENT');
    expect(words(f)).toMatch(/refclock PHC \/dev\/ptp_kvm/);
  });
});

describe('ARM64 guests get no x86 TSC advice from any rule', () => {
  it('the Lima/Colima M1 versions and an aarch64 lscpu/uname', () => {
    for (const file of ['versions/lima-colima-m1.txt', 'uname/kcli-mac-host-fedora-aarch64-guest.txt', 'lscpu/arm64-rk3399-old-layout.txt']) {
      const r = analyzePastes({ [file]: null });
      expect(r.derived.platform.arch).toBe('arm64');
      expect(r.findings.map(words).join('\n')).not.toMatch(/tsc=|notsc|clocksource=(?:tsc|hpet|acpi_pm)/);
    }
  });
});
