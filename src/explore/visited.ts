/**
 * The visited set of the reduced search: per state fingerprint, the fewest preemptions it was
 * explored with, then the fewest transitions. A state reached again no cheaper is pruned.
 */
import type { VisitedState } from './checkpoint.js';

export interface VisitedSet {
  /** True if fp is new, or now reached more cheaply (and records it). */
  offer(fp: string, cost: number, depth: number): boolean;
  /**
   * offer() for a search with sleep sets (explore/por.ts): -1 when fp is new or now reached
   * more cheaply (explore it, except the transitions in `sleep`, and store `sleep`); otherwise
   * the transitions fp was last stored asleep on that are awake now (`stored & ~sleep`; 0:
   * prune), and the stored set becomes `stored & sleep`. Masks are by sleepRanks().
   * `bounded` (a preemption-bounded search): a visit again at more preemptions explores the
   * awake transitions with less budget left, so the stored cost becomes the new one (a later
   * arrival cheaper than it is entered again whole; docs/semantics.md, "Preemption bounding").
   */
  offerSleep(fp: string, cost: number, depth: number, sleep: number, bounded?: boolean): number;
  /** The sleep mask fp is stored with, if it was reached before as cheaply (else -1); changes nothing. */
  storedSleep(fp: string, cost: number, depth: number): number;
  /** Whether fp is stored (at any cost): random probes (explore/probes.ts) measure progress by it. */
  has(fp: string): boolean;
  readonly size: number;
  /** Its contents, for a checkpoint. */
  export(): VisitedState;
  /** The fingerprints it holds, as (low, high) 32-bit word pairs (a partitioned search counts their union). */
  keys(): Uint32Array;
}

/**
 * What a visited set keeps of a state's preemptions and transitions, as FpSet packs them in 16
 * bits: preemptions up to 127 (every preemption bound, 64 at most, is exact; past it only an
 * unbounded search goes, where the count orders witnesses and prunes nothing else), and
 * transitions up to 510: a state reached again more than 510 transitions deep is pruned
 * whether or not the path is shorter, so a witness longer than that is the shortest only among
 * the schedules the search kept.
 */
export const COST_CAP = 127;
export const DEPTH_CAP = 510;

/** A 64-bit fingerprint (four UTF-16 units, model/fingerprint.ts) as its two 32-bit words. */
export function fpWords(fp: string): [number, number] {
  return [(fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0];
}

/** The reference implementation (a JS Map, ~100 bytes a state); explore/fpset.ts is the compact one. */
export class MapVisited implements VisitedSet {
  private readonly map = new Map<string, { cost: number; depth: number; sleep?: number }>();

  get size(): number {
    return this.map.size;
  }

  export(): VisitedState {
    return { kind: 'map', entries: [...this.map].map(([fp, v]) => (v.sleep === undefined ? [fp, v.cost, v.depth] : [fp, v.cost, v.depth, v.sleep])) };
  }

  keys(): Uint32Array {
    const out = new Uint32Array(this.map.size * 2);
    let i = 0;
    for (const fp of this.map.keys()) {
      [out[i], out[i + 1]] = fpWords(fp);
      i += 2;
    }
    return out;
  }

  static restore(s: Extract<VisitedState, { kind: 'map' }>): MapVisited {
    const m = new MapVisited();
    for (const [fp, cost, depth, sleep] of s.entries) m.map.set(fp, sleep === undefined ? { cost, depth } : { cost, depth, sleep });
    return m;
  }

  storedSleep(fp: string, cost: number, depth: number): number {
    cost = Math.min(cost, COST_CAP);
    depth = Math.min(depth, DEPTH_CAP);
    const prev = this.map.get(fp);
    return prev !== undefined && prev.cost <= cost && (prev.cost < cost || prev.depth <= depth) ? prev.sleep ?? 0 : -1;
  }

  offerSleep(fp: string, cost: number, depth: number, sleep: number, bounded = false): number {
    cost = Math.min(cost, COST_CAP);
    depth = Math.min(depth, DEPTH_CAP);
    const prev = this.map.get(fp);
    if (prev !== undefined && prev.cost <= cost && (prev.cost < cost || prev.depth <= depth)) {
      const stored = prev.sleep ?? 0;
      const awake = (stored & ~sleep) >>> 0;
      prev.sleep = stored & sleep;
      if (bounded && awake !== 0 && prev.cost < cost) {
        prev.cost = cost;
        prev.depth = depth;
      }
      return awake;
    }
    this.map.set(fp, { cost, depth, sleep });
    return -1;
  }

  has(fp: string): boolean {
    return this.map.has(fp);
  }

  offer(fp: string, cost: number, depth: number): boolean {
    cost = Math.min(cost, COST_CAP);
    depth = Math.min(depth, DEPTH_CAP);
    const prev = this.map.get(fp);
    if (prev !== undefined && prev.cost <= cost && (prev.cost < cost || prev.depth <= depth)) return false;
    this.map.set(fp, { cost, depth });
    return true;
  }
}
