/** The landing page at `/`: what this is and where the metrics are (like node_exporter's). */
import { VERSION } from '../version.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function landingPage(telemetryPath: string): string {
  const p = escapeHtml(telemetryPath);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>clockdoctor</title></head>
<body>
<h1>clockdoctor ${escapeHtml(VERSION)}</h1>
<p>Diagnoses this guest's clock: clocksource, TSC, tick mode, time-sync daemons, predicted drift and findings.</p>
<ul>
<li><a href="${p}">Metrics</a> (${p})</li>
<li><a href="/-/healthy">/-/healthy</a> — the process is up</li>
<li><a href="/-/ready">/-/ready</a> — the first snapshot has been taken</li>
</ul>
<p>Run <code>clockdoctor check</code> on this guest for the full report with evidence and fixes.</p>
</body>
</html>
`;
}
