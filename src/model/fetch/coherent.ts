/**
 * fetch.coherence: coherent (Ziccid as DESIGN §3 first read it): every fetch sees the latest
 * write to each byte. One view; the fetched bytes carry the provenance memory has now.
 */
import type { FetchModel } from './fetch-model.js';

export const coherent: FetchModel = {
  name: 'coherent',
  choices: false,
  views: (k) => [k.mem.writeSeq],
  fetched(k, _h, addr, n, _T, c) {
    for (let i = 0; i < n; i++) c.wids[i] = k.mem.provenance(addr + i);
  },
};
