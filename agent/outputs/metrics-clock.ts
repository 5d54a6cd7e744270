/**
 * How this guest keeps time, as `_info` gauges and plain gauges: clocksources (labelled like
 * node_exporter's `node_time_clocksource_*`, so dashboards can join them), clock event devices, tick
 * mode, TSC rates and flags, hypervisor, time-sync daemons, the cost of a clock read.
 */
import type { Registry } from 'prom-client';
import type { ViewSource } from './metrics-view.js';
import { guardedGauge } from './metrics-guard.js';

const khzToHz = (khz: number | null | undefined): number | null => (khz === null || khz === undefined ? null : Math.round(khz * 1000));

/** The clockevent directory's index (`clockevent1` → `1`), like the clocksource `device` label. */
function eventDeviceLabel(name: string): string {
  const m = /^clockevent(\d+)$/.exec(name);
  return m?.[1] ?? name;
}

export function registerClockMetrics(registry: Registry, view: ViewSource): void {
  guardedGauge({
    registry, name: 'clockdoctor_clocksource_current_info', labelNames: ['clocksource', 'device'],
    help: 'Current clocksource of each clocksourceN device (1), labelled like node_time_clocksource_current_info.',
    project: (g) => {
      for (const d of view().snapshot?.facts.clocksource?.devices ?? []) {
        if (d.current !== null) g.set({ clocksource: d.current, device: d.device }, 1);
      }
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_clocksource_available_info', labelNames: ['clocksource', 'device'],
    help: 'Available clocksources of each clocksourceN device (1 each), labelled like node_time_clocksource_available_info.',
    project: (g) => {
      for (const d of view().snapshot?.facts.clocksource?.devices ?? []) {
        for (const cs of d.available) g.set({ clocksource: cs, device: d.device }, 1);
      }
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_clockevent_device_info', labelNames: ['clockevent', 'device'],
    help: 'Clock event device in use on each clockeventN (device = N) and on the broadcast device (device = "broadcast").',
    project: (g) => {
      const ce = view().snapshot?.facts.clockevents;
      if (!ce) return;
      for (const d of ce.devices) if (d.current !== null) g.set({ clockevent: d.current, device: eventDeviceLabel(d.name) }, 1);
      if (ce.broadcast !== null) g.set({ clockevent: ce.broadcast, device: 'broadcast' }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_tick_info', labelNames: ['mode', 'nohz', 'highres'],
    help: 'Kernel tick: mode (periodic|oneshot), NO_HZ idle and high-resolution timers (true|false|unknown), from timer_list.',
    project: (g) => {
      const t = view().snapshot?.facts.timerList;
      if (!t) return;
      const b = (v: boolean | null): string => (v === null ? 'unknown' : String(v));
      g.set({ mode: t.tickMode ?? 'unknown', nohz: b(t.nohz), highres: b(t.highres) }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_tick_rate_hertz',
    help: 'Kernel HZ (jiffies per second) inferred from timer_list; absent when unknown.',
    project: (g) => {
      const t = view().snapshot?.facts.timerList;
      g.set(t?.hz);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_tsc_frequency_hertz', labelNames: ['source'],
    help: 'TSC rate as the guest kernel sees it, by source: detected (boot calibration), refined (refined calibration), hypervisor (read from the hypervisor), lapic_deadline (read back from the TSC-deadline timer).',
    project: (g) => {
      const f = view().snapshot?.facts;
      const rates: [string, number | null][] = [
        ['detected', khzToHz(f?.kernelLog?.tscDetectedKhz)],
        ['refined', khzToHz(f?.kernelLog?.tscRefinedKhz)],
        ['hypervisor', khzToHz(f?.kernelLog?.tscFromHypervisorKhz)],
        ['lapic_deadline', f?.timerList?.lapicDeadlineTscHz ?? null],
      ];
      for (const [source, hz] of rates) g.set({ source }, hz);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_tsc_flag_info', labelNames: ['flag'],
    help: 'TSC capability flags the first CPU advertises in cpuinfo (tsc, constant_tsc, nonstop_tsc, tsc_reliable, tsc_known_freq, tsc_deadline_timer, tsc_adjust, rdtscp; 1 each).',
    project: (g) => {
      for (const flag of view().snapshot?.facts.cpuinfo?.tscFlags ?? []) g.set({ flag }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_tsc_unstable',
    help: 'The kernel log (last boot) marks the TSC unstable (1) or not (0); absent without a kernel log.',
    project: (g) => {
      const k = view().snapshot?.facts.kernelLog;
      if (k) g.set(k.tscUnstable ? 1 : 0);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_hypervisor_info', labelNames: ['platform', 'hypervisor', 'vendor'],
    help: 'Platform (best name from DMI and sysfs), the hypervisor the kernel detected, and the DMI system vendor.',
    project: (g) => {
      const f = view().snapshot?.facts;
      const platform = f?.hypervisor?.platform ?? '';
      const hypervisor = f?.kernelLog?.hypervisor ?? '';
      const vendor = f?.hypervisor?.dmiSysVendor ?? '';
      if (platform !== '' || hypervisor !== '' || vendor !== '') g.set({ platform, hypervisor, vendor }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_timesync_daemon_info', labelNames: ['daemon'],
    help: 'Time-sync daemons running (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, hv_utils, ptp_kvm, openntpd; 1 each).',
    project: (g) => {
      for (const d of view().snapshot?.facts.timesync?.daemons ?? []) g.set({ daemon: d.name }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_timesync_daemons',
    help: 'Number of time-sync daemons running; absent when the timesync collector has no data.',
    project: (g) => {
      const ts = view().snapshot?.facts.timesync;
      if (ts) g.set(new Set(ts.daemons.map((d) => d.name)).size);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_clock_read_vdso', labelNames: ['clocksource'],
    help: 'Reading the clock is a vDSO call without a system call (1) or a system call every time (0), for the clocksource in use.',
    project: (g) => {
      const k = view().snapshot?.facts.clockReadCost;
      if (k && k.vdso !== null) g.set({ clocksource: k.clocksource ?? '' }, k.vdso ? 1 : 0);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_clock_read_seconds',
    help: 'Median time of one clock read measured from Node (includes Node overhead), seconds; absent when not measured.',
    project: (g) => {
      const ns = view().snapshot?.facts.clockReadCost?.nsPerRead;
      if (ns !== null && ns !== undefined) g.set(ns / 1e9);
    },
  });
}
