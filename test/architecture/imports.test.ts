import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The stages import one way (docs/architecture.md): each folder of src/ imports only folders
 * to its left. A runtime import cycle between files is also an error (type-only imports are
 * erased by the compiler and may point anywhere within the rules).
 */
const LAYERS = ['isa', 'emu', 'spec', 'check', 'model', 'explore', 'api', 'report', 'cli'];
const SRC = join(__dirname, '..', '..', 'src');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Edge { from: string; to: string; typeOnly: boolean }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;
    for (let m; (m = re.exec(text)); ) {
      const spec = m[3];
      if (!spec.startsWith('.')) continue;
      const to = resolve(dirname(f), spec).replace(/\.js$/, '.ts');
      out.push({ from: relative(SRC, f), to: relative(SRC, to), typeOnly: !!m[2] });
    }
  }
  return out;
}

const layerOf = (file: string) => {
  const top = file.split('/')[0];
  return top.endsWith('.ts') ? -1 : LAYERS.indexOf(top); // src/version.ts: below everything
};

describe('stages import one way', () => {
  const all = edges();
  it('finds the imports (the walk itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((e) => e.from === 'model/machine.ts' && e.to === 'model/run.ts')).toBe(true);
  });
  it('every folder of src/ is a known layer', () => {
    const tops = new Set(files(SRC).map((f) => relative(SRC, f).split('/')[0]).filter((t) => !t.endsWith('.ts')));
    expect([...tops].filter((t) => !LAYERS.includes(t))).toEqual([]);
  });
  it('no import points to a later layer', () => {
    const up = all.filter((e) => layerOf(e.to) > layerOf(e.from)).map((e) => `${e.from} -> ${e.to}`);
    expect(up).toEqual([]);
  });
  it('no runtime import cycle between files', () => {
    const graph = new Map<string, string[]>();
    for (const e of all) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 2);
    };
    for (const n of [...graph.keys()].sort()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
