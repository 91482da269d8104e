/**
 * `objects:` input: kbuild `.o` files placed at a kernel text address by isa/link.ts, their
 * undefined symbols bound to stubs by role (a built-in table per kernel version, kernel-stubs.ts,
 * plus the spec's overrides), and their patch sites read from the relocated
 * __patchable_function_entries as for a linked ELF (elf-input.ts). docs/kernel.md describes the
 * spec side; schema/kernel-objects.part.json its schema.
 */
import { link, LinkError, LinkedImage, SymbolBinding } from '../isa/link.js';
import type { SpecDiagnostic } from './diagnostic.js';
import type { LoadOptions } from './load.js';
import type { SpecSource } from './source.js';
import type { Region } from './types.js';
import { patchableEntries, PatchableEntry, sweep } from './elf-input.js';
import { generateData, StubRole, STUB_TABLES } from './kernel-stubs.js';

export interface KernelStub {
  name: string;
  address: number;
  size: number;
  role: StubRole;
}

export interface KernelObjectsInput {
  regions: Region[];
  entries: PatchableEntry[];
  /** Every undefined symbol the objects use, with its role and the address it was given. */
  stubs: KernelStub[];
  image?: LinkedImage;
  diagnostics: SpecDiagnostic[];
}

/** A role as written in a spec (`objects.roles`): see docs/kernel.md. */
export function parseRole(v: unknown): StubRole | string {
  if (v === 'trap') return { role: 'trap', why: 'trap stub reached' };
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'a role is trap or a mapping: {service: NAME}, {return: N}, {trap: WHY}, {data: zero|int|harts|hart-mask, size, value}, {address: A}';
  const o = v as Record<string, unknown>;
  if (typeof o.service === 'string') return { role: 'service', service: o.service };
  if (typeof o.return === 'number') return { role: 'return', value: o.return };
  if (typeof o.trap === 'string') return { role: 'trap', why: o.trap };
  if (o.address !== undefined) {
    const a = address(o.address);
    return a === undefined ? `address ${String(o.address)} is not an address` : { role: 'address', address: a };
  }
  const size = o.size as number;
  switch (o.data) {
    case 'zero': return Number.isInteger(size) && size > 0 ? { role: 'data', gen: 'zero', size } : 'data: zero needs a size';
    case 'int': return [1, 2, 4, 8].includes(size) && typeof o.value === 'number' ? { role: 'data', gen: 'int', size: size as 1 | 2 | 4 | 8, value: o.value } : 'data: int needs size 1, 2, 4 or 8 and a value';
    case 'harts': return { role: 'data', gen: 'harts', size: 4 };
    case 'hart-mask': return { role: 'data', gen: 'hart-mask', size: 8 };
  }
  return `unknown role ${JSON.stringify(v)}`;
}

/** A number or a hex/decimal string as a signed-64 address (types.ts). */
function address(v: unknown): number | undefined {
  if (typeof v !== 'number' && typeof v !== 'string') return undefined;
  let b: bigint;
  try {
    b = BigInt(v);
  } catch {
    return undefined;
  }
  if (b > 0xffffffffffffffffn || b < -(1n << 63n)) return undefined;
  const s = BigInt.asIntN(64, b);
  return s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER) ? undefined : Number(s);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function loadKernelObjects(raw: any, src: SpecSource, opts: LoadOptions, symbols: Map<string, number>, harts: number): KernelObjectsInput {
  const diag = (path: (string | number)[], message: string): KernelObjectsInput => ({ regions: [], entries: [], stubs: [], diagnostics: [{ code: 'elf', ...src.loc(path), message }] });
  if (!opts.readFile) return diag(['objects'], 'this caller cannot read files (objects: needs a file system)');
  const text = address(raw.text);
  if (text === undefined) return diag(['objects', 'text'], `text address ${String(raw.text)} is not an address`);
  const table = raw.stubs === undefined ? {} : STUB_TABLES[raw.stubs];
  if (!table) return diag(['objects', 'stubs'], `unknown stub table '${raw.stubs}' (built in: ${Object.keys(STUB_TABLES).join(', ')})`);
  const roles: Record<string, StubRole> = { ...table };
  for (const [name, v] of Object.entries(raw.roles ?? {})) {
    const r = parseRole(v);
    if (typeof r === 'string') return diag(['objects', 'roles', name], `${name}: ${r}`);
    roles[name] = r;
  }
  const files: string[] = raw.files ?? [];
  const dir: string | undefined = raw.dir;
  const objects = [];
  for (const [i, f] of files.entries()) {
    const named = dir ? `${dir.replace(/\/$/, '')}/${f}` : f;
    const path = opts.resolvePath ? opts.resolvePath(named) : named;
    try {
      objects.push({ file: named, bytes: opts.readFile(path) });
    } catch (e) {
      return diag(['objects', 'files', i], `cannot read ${named}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (kernel objects are built by fixtures/kernel/build.sh, docs/kernel.md)`);
    }
  }
  const resolve = (name: string): SymbolBinding | undefined => {
    const r = roles[name];
    if (!r) return undefined;
    if (r.role === 'address') return { kind: 'address', address: r.address };
    if (r.role === 'data') return { kind: 'data', role: r.gen, bytes: generateData(r, harts, text), align: 8 };
    return { kind: 'stub', role: r.role };
  };
  let image: LinkedImage;
  try {
    image = link(objects, { text, resolve });
  } catch (e) {
    if (!(e instanceof LinkError)) throw e;
    const i = files.findIndex((f) => e.where.file === (dir ? `${dir.replace(/\/$/, '')}/${f}` : f));
    const hint = e.code === 'undefined-symbol' ? ` (or add it under objects.roles)` : '';
    return diag(i >= 0 ? ['objects', 'files', i] : ['objects'], e.message + hint);
  }
  const loc = src.loc(['objects']);
  const funcSyms = image.symbols.filter((s) => s.type === 2).map((s) => ({ name: s.name, value: s.address }));
  const entryAddrs = image.patchableEntries.map((e) => e.address);
  const regions: Region[] = [];
  for (const s of [...image.sections, ...(image.stubCode ? [image.stubCode] : []), ...(image.stubData ? [image.stubData] : [])]) {
    if (s.bytes.length === 0) continue;
    regions.push({
      name: `${s.file.replace(/^.*\//, '')}:${s.name}`,
      kind: s.exec ? 'code' : 'data',
      base: s.address,
      bytes: s.bytes,
      shared: !s.exec,
      insnStarts: s.exec ? sweep(s.bytes, s.address, [...funcSyms.map((x) => x.value), ...entryAddrs]) : new Set<number>(),
      lines: new Map(),
      loc,
    });
  }
  // Globals first, so a local of the same name in another object does not shadow them.
  for (const s of [...image.symbols].sort((a, b) => Number(a.bind === 0) - Number(b.bind === 0))) if (!symbols.has(s.name)) symbols.set(s.name, s.address);
  const stubs: KernelStub[] = image.stubs.map((s) => ({ name: s.name, address: s.address, size: s.size, role: roles[s.name] }));
  for (const s of stubs) if (!symbols.has(s.name)) symbols.set(s.name, s.address);
  for (const [name, r] of Object.entries(roles)) if (r.role === 'address' && !symbols.has(name)) symbols.set(name, r.address);
  const entries = raw.sites && raw.sites !== false ? patchableEntries(regions, funcSyms, entryAddrs) : [];
  if (raw.sites && raw.sites !== false && entryAddrs.length === 0) {
    return { regions, entries, stubs, image, diagnostics: [{ code: 'elf', ...src.loc(['objects', 'sites']), message: `no object has a __patchable_function_entries section (the traced files are built with -fpatchable-function-entry under CONFIG_DYNAMIC_FTRACE)` }] };
  }
  return { regions, entries, stubs, image, diagnostics: [] };
}
