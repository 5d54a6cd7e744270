/**
 * Analyzer tests from kernel-log text: the lines go through the real parser, so a test states the
 * evidence the way a user pastes it, and the facts are the ones production code sees.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { runAnalyzers } from '../../analyzers/index.js';
import { derive } from '../../agent/derive/index.js';
import type { Facts, KernelLogFacts } from '../../agent/facts.js';
import type { Finding } from '../../agent/findings.js';
import { facts } from './helpers.js';

export const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');

/** Kernel-log facts of these lines. */
export function klog(...lines: string[]): KernelLogFacts {
  return parseText(createKernelLogParser('dmesg'), lines.join('\n'));
}

/** Kernel-log facts of a fixture file under test/fixtures. */
export function klogFile(rel: string): KernelLogFacts {
  return parseText(createKernelLogParser(rel), fs.readFileSync(path.join(FIX, rel), 'utf8'));
}

/** Every finding the analyzers make of these facts. */
export function findingsOf(f: Partial<Facts>): Finding[] {
  const all = facts(f);
  return runAnalyzers(all, derive(all)).findings;
}

export function byId(fs: Finding[], id: string): Finding | undefined {
  return fs.find((f) => f.id === id);
}

/** All the words a finding says of its own (what the case scorer reads): title, detail and fixes, not evidence. */
export function words(f: Finding | Finding[] | undefined): string {
  if (f === undefined) return '';
  const list = Array.isArray(f) ? f : [f];
  return list.map((x) => [x.title, x.detail ?? '', ...x.fixes.map((y) => `${y.summary} ${y.command ?? ''}`)].join('\n')).join('\n');
}

/** Advice that tells the kernel to trust the TSC. */
export const TRUST_TSC = /tsc=reliable|tsc=nowatchdog|clocksource=tsc\b/;
