/**
 * A minimal JSON Schema (draft-07) validator for the schemas under test/fixtures/grafana/: the
 * keywords those schemas use, and an error for any keyword it does not know — a validator that
 * skipped a constraint silently would pass what Grafana rejects. Errors carry a JSON path.
 */

/** A JSON Schema node (the subset used here). */
export type Schema = boolean | { [keyword: string]: unknown };

/** Keywords that describe and never constrain (draft-07 treats `format` as an annotation by default). */
const ANNOTATIONS = new Set(['$schema', 'description', 'default', 'title', 'examples', 'deprecated', 'format', '$comment', 'readOnly', 'writeOnly']);
const CONSTRAINTS = new Set([
  '$ref', 'definitions', 'type', 'enum', 'const', 'properties', 'additionalProperties', 'required', 'items',
  'anyOf', 'oneOf', 'allOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'pattern',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(v: unknown): string[] {
  if (v === null) return ['null'];
  if (Array.isArray(v)) return ['array'];
  if (typeof v === 'number') return Number.isInteger(v) ? ['integer', 'number'] : ['number'];
  return [typeof v];
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validate `value` against `schema` (whose `$ref`s point into `root`); returns the errors, empty when valid. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: not allowed here`];
  const errors: string[] = [];
  for (const k of Object.keys(schema)) {
    if (!ANNOTATIONS.has(k) && !CONSTRAINTS.has(k) && !k.startsWith('x-')) throw new Error(`json-schema: unsupported keyword "${k}" at ${at}`);
  }
  if (typeof schema.$ref === 'string') errors.push(...validate(value, resolve(schema.$ref, root), root, at));
  if (schema.type !== undefined) {
    const want = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!typeOf(value).some((t) => want.includes(t))) return [...errors, `${at}: expected ${want.join(' or ')}, got ${typeOf(value)[0]}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && !equal(schema.const, value)) errors.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  errors.push(...numberErrors(value, schema, at), ...stringErrors(value, schema, at));
  if (isObj(value)) errors.push(...objectErrors(value, schema, root, at));
  if (Array.isArray(value)) errors.push(...arrayErrors(value, schema, root, at));
  errors.push(...combinatorErrors(value, schema, root, at));
  return errors;
}

function resolve(ref: string, root: Schema): Schema {
  if (!ref.startsWith('#/')) throw new Error(`json-schema: only local $refs are supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = isObj(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  if (node === undefined) throw new Error(`json-schema: $ref ${ref} points nowhere`);
  return node as Schema;
}

function numberErrors(v: unknown, s: Obj, at: string): string[] {
  if (typeof v !== 'number') return [];
  const out: string[] = [];
  if (typeof s.minimum === 'number' && v < s.minimum) out.push(`${at}: ${v} < minimum ${s.minimum}`);
  if (typeof s.maximum === 'number' && v > s.maximum) out.push(`${at}: ${v} > maximum ${s.maximum}`);
  if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) out.push(`${at}: ${v} ≤ exclusiveMinimum ${s.exclusiveMinimum}`);
  if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) out.push(`${at}: ${v} ≥ exclusiveMaximum ${s.exclusiveMaximum}`);
  return out;
}

function stringErrors(v: unknown, s: Obj, at: string): string[] {
  if (typeof v !== 'string') return [];
  const out: string[] = [];
  const len = [...v].length;
  if (typeof s.minLength === 'number' && len < s.minLength) out.push(`${at}: shorter than ${s.minLength}`);
  if (typeof s.maxLength === 'number' && len > s.maxLength) out.push(`${at}: longer than ${s.maxLength}`);
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(`${at}: does not match ${s.pattern}`);
  return out;
}

function objectErrors(v: Obj, s: Obj, root: Schema, at: string): string[] {
  const out: string[] = [];
  for (const r of (s.required as string[] | undefined) ?? []) if (!(r in v)) out.push(`${at}: missing required "${r}"`);
  const props = isObj(s.properties) ? s.properties : {};
  for (const [k, child] of Object.entries(v)) {
    const where = `${at}.${k}`;
    if (k in props) out.push(...validate(child, props[k] as Schema, root, where));
    else if (s.additionalProperties === false) out.push(`${where}: unknown property`);
    else if (s.additionalProperties !== undefined) out.push(...validate(child, s.additionalProperties as Schema, root, where));
  }
  return out;
}

function arrayErrors(v: unknown[], s: Obj, root: Schema, at: string): string[] {
  const out: string[] = [];
  if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${at}: fewer than ${s.minItems} items`);
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push(`${at}: more than ${s.maxItems} items`);
  if (Array.isArray(s.items)) throw new Error(`json-schema: tuple "items" is not supported (at ${at})`);
  if (s.items !== undefined) v.forEach((item, i) => out.push(...validate(item, s.items as Schema, root, `${at}[${i}]`)));
  return out;
}

function combinatorErrors(v: unknown, s: Obj, root: Schema, at: string): string[] {
  const out: string[] = [];
  for (const sub of (s.allOf as Schema[] | undefined) ?? []) out.push(...validate(v, sub, root, at));
  if (Array.isArray(s.anyOf)) {
    const results = (s.anyOf as Schema[]).map((sub) => validate(v, sub, root, at));
    if (!results.some((r) => r.length === 0)) out.push(`${at}: matches none of anyOf (${results.map((r) => r[0]).join(' | ')})`);
  }
  if (Array.isArray(s.oneOf)) {
    const results = (s.oneOf as Schema[]).map((sub) => validate(v, sub, root, at));
    const ok = results.filter((r) => r.length === 0).length;
    if (ok !== 1) out.push(`${at}: matches ${ok} of oneOf, not exactly one${ok === 0 ? ` (${results.map((r) => r[0]).join(' | ')})` : ''}`);
  }
  return out;
}
