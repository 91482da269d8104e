/**
 * fetch.coherence: fence.i — a hart may fetch any value of a patchable byte at or after its
 * floor for that byte: the write time its last fence.i saw (hart floor), raised per byte by
 * what it fetched since (a fetch never goes back to an older value than one it fetched).
 * The explorer enumerates the distinct contents, latest first (docs/semantics.md).
 */
import type { Core } from '../core.js';
import { contentAt } from '../sites/ledger.js';
import type { FetchModel } from './fetch-model.js';

function floorOf(k: Core, h: number, addr: number): number {
  const hs = k.st.harts[h];
  let f = hs.floor;
  const raised = hs.raised;
  for (let i = 0; i < raised.length; i++) if (raised[i][0] === addr && raised[i][1] > f) f = raised[i][1];
  return f;
}

export const fenceIModel: FetchModel = {
  name: 'fence.i',
  choices: true,
  views(k, h, addr, n) {
    let floor = 0;
    for (let a = addr; a < addr + n; a++) if (k.layout.isPatchable(a)) floor = Math.max(floor, floorOf(k, h, a));
    const times = [floor];
    for (const w of k.st.writes) {
      if (w.id > floor && w.at < addr + n && addr < w.at + w.bytes.length) times.push(w.id);
    }
    // Distinct contents only, latest first.
    const seen = new Set<string>();
    const out: number[] = [];
    for (const T of times.reverse()) {
      const key = contentAt(k, addr, n, T).bytes.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        out.push(T);
      }
    }
    return out;
  },
  fetched(k, h, addr, n, T) {
    const hs = k.st.harts[h];
    for (let a = addr; a < addr + n; a++) {
      if (!k.layout.isPatchable(a)) continue;
      const e = hs.raised.find((x) => x[0] === a);
      if (e) e[1] = Math.max(e[1], T);
      else if (T > hs.floor) hs.raised.push([a, T]);
    }
  },
};
