// Records every module a process loads (node --import ./trace-loads.mjs …), one file URL a line, into
// the file named by CLOCKDOCTOR_TRACE_LOADS. Used by startup.test.ts to pin which modules each
// command line loads: deterministic, unlike a timing. Builtins (node:*) are left out.
import { register } from 'node:module';

register('./trace-loads-hooks.mjs', import.meta.url, { data: { out: process.env.CLOCKDOCTOR_TRACE_LOADS } });
