/**
 * Checkpoints of a systematic search (issue 9): everything a search needs to go on exactly as
 * if it had never stopped — the bound it is at, the totals and findings of the bounds before,
 * and of the current depth-first search its counters, findings, visited set and frontier. The
 * frontier is kept as the path of transition tokens and each frame's position: the model's
 * states along it are rebuilt by replaying the path from the initial state (the model is
 * deterministic), so no memory image is written. A resumed search gives the same report,
 * byte for byte (`--no-timing`), as one that never stopped; test/explore/checkpoint.test.ts
 * proves it.
 *
 * The file: the line `ftrace-race checkpoint 2`, the byte length of a JSON header on the next
 * line, the header, then the visited set's typed arrays (little-endian words).
 */
import type { Finding } from './strategy.js';
import type { Footprint, Transition } from '../model/model.js';
import { decodeFramed, encodeFramed } from './framed.js';
import type { SccState } from './scc.js';

/** 2: frames are named by Model.exact, and --por searches keep their sleep sets (1 is refused). */
export const CHECKPOINT_MAGIC = 'ftrace-race checkpoint 2';

/** A transition asleep (explore/por.ts) as plain data: what independence and sleep masks read of it. */
export interface AsleepState {
  t: Pick<Transition, 'token' | 'kind' | 'hart' | 'task' | 'choice' | 'cost'>;
  fp: Footprint;
}

export interface FrameState {
  next: number;
  last: number;
  cost: number;
  moved: boolean;
  fp?: string;
  /** Partial-order reduction (--por): the frame's skipped transitions, its sleep set, those taken so far, and its stored mask. */
  skip?: number;
  sleep?: AsleepState[];
  done?: AsleepState[];
  stored?: number;
  /** Its node's position in the components' stack (DfsState.scc), when livelocks are judged. */
  scc?: number;
}

/** A visited set; `sl` / an entry's fourth number: the sleep masks of a --por search. */
export type VisitedState =
  | { kind: 'fpset'; a: Uint32Array; b: Uint32Array; meta: Uint16Array | Uint32Array; sl?: Uint32Array; count: number; full: boolean }
  | { kind: 'map'; entries: ([string, number, number] | [string, number, number, number])[] };

/** One depth-first search, stopped between two transitions. */
export interface DfsState {
  executions: number;
  nodes: number;
  pruned: number;
  maxDepth: number;
  cut: boolean;
  findings: Finding[];
  outcomes: [string, number][];
  finals: string[];
  path: string[];
  frames: FrameState[];
  visited: VisitedState | null;
  /** A search with sleep sets (--por): transitions not taken because they were asleep. */
  slept?: number;
  /** The components' stack (explore/scc.ts), when livelocks are judged. */
  scc?: SccState;
  /** Dfs.unjudged. */
  unjudged?: string;
}

export interface SearchCheckpoint {
  /** What the search was started on (spec and options): a resume with another key is refused. */
  key: string;
  /** Index of the current search in the strategy's list of bounds. */
  boundIndex: number;
  totals: { executions: number; nodes: number };
  pruned: number;
  maxDepth: number;
  states: number;
  /** Findings of the bounds before the current one (kept where the current search lacks a signature). */
  prior: Finding[] | null;
  /** --por was given up (why): the current search runs without it. */
  porAbandoned?: string;
  /** Symmetry reduction was given up (why): the current search runs without it. */
  symAbandoned?: string;
  dfs: DfsState;
}

/** How a search checkpoints: asked between transitions whether one is due. */
export interface CheckpointControl {
  /** 'write': write one and go on; 'stop': write one and stop (exit 3); null: nothing. */
  due(): 'write' | 'stop' | null;
  write(cp: SearchCheckpoint): void;
  /** The reason printed when the search stops for a checkpoint. */
  stopped(): string;
}

// ---- the file ---------------------------------------------------------------------------

const ARRAYS = ['a', 'b', 'meta'] as const;

export function encodeCheckpoint(cp: SearchCheckpoint): Uint8Array {
  const v = cp.dfs.visited;
  const blobs: ArrayLike<number>[] = v && v.kind === 'fpset' ? [...ARRAYS.map((k) => v[k]), ...(v.sl ? [v.sl] : [])] : [];
  const header = {
    ...cp,
    dfs: {
      ...cp.dfs,
      visited: v && v.kind === 'fpset' ? { kind: 'fpset', count: v.count, full: v.full, words: blobs.map((x) => x.length) } : v,
    },
  };
  return encodeFramed(CHECKPOINT_MAGIC, header, blobs);
}

const int = (x: unknown) => Number.isSafeInteger(x);
const ranges = (x: unknown) => Array.isArray(x) && x.every((r) => Array.isArray(r) && r.length === 2 && r.every((n) => typeof n === 'number'));
const KERNEL = new Set(['sm', 'ipi', 'sched']);
const KINDS = new Set(['step', 'switch', 'irq', 'ipi']);

function asleepOk(a: unknown): boolean {
  const x = a as AsleepState;
  return !!x && typeof x === 'object' && !!x.t && typeof x.t.token === 'string' && KINDS.has(x.t.kind) && [x.t.hart, x.t.task, x.t.choice].every(int) && (x.t.cost === 0 || x.t.cost === 1)
    && !!x.fp && ranges(x.fp.reads) && ranges(x.fp.writes) && Array.isArray(x.fp.kernel) && x.fp.kernel.every((k) => KERNEL.has(k));
}

/** A frame's --por fields, when it has them: what the search reads of them must have its type. */
function porFrameOk(f: FrameState): boolean {
  if (!f || typeof f !== 'object') return false;
  if (f.skip !== undefined && !int(f.skip)) return false;
  if (f.stored !== undefined && !int(f.stored)) return false;
  return [f.sleep, f.done].every((l) => l === undefined || (Array.isArray(l) && l.every(asleepOk)));
}

const strs = (x: unknown) => Array.isArray(x) && x.every((t) => typeof t === 'string');
const optStr = (x: unknown) => x === undefined || typeof x === 'string';

/** The components' stack (explore/scc.ts), when it has one: every field the search reads, of its type. */
function sccOk(s: SccState | undefined): boolean {
  if (s === undefined) return true;
  if (!s || typeof s !== 'object' || !int(s.next) || !Array.isArray(s.nodes)) return false;
  return s.nodes.every((n) => !!n && typeof n === 'object' && int(n.index) && int(n.low) && optStr(n.key) && optStr(n.exact) && strs(n.trans) && strs(n.taken) && typeof n.mapped === 'boolean');
}

/** Reads a checkpoint file; a file that is not one, or is cut short, is an Error with one line. */
export function decodeCheckpoint(bytes: Uint8Array): SearchCheckpoint {
  const bad = (why: string) => new Error(`not a usable checkpoint: ${why}`);
  const file = decodeFramed(bytes, CHECKPOINT_MAGIC, bad);
  const header = file.header as SearchCheckpoint & { dfs: { visited: unknown } };
  const d = header?.dfs;
  if (typeof header?.key !== 'string' || !d || !Array.isArray(d.frames) || !Array.isArray(d.path) || d.path.length !== d.frames.length - 1) throw bad('its header is incomplete');
  if (!d.frames.every(porFrameOk)) throw bad('its frontier\'s sleep sets are malformed');
  if (!sccOk(d.scc) || !d.frames.every((f) => f.scc === undefined || (int(f.scc) && f.scc >= 0 && f.scc < d.scc!.nodes.length))) throw bad('its components of the state graph are malformed');
  const v = d.visited as { kind?: string; count?: number; full?: boolean; words?: number[]; entries?: [string, number, number][] } | null;
  if (v && v.kind === 'fpset') {
    const words = v.words;
    if (!Array.isArray(words) || (words.length !== 3 && words.length !== 4) || words.some((n) => !Number.isSafeInteger(n) || n < 0)) throw bad('its visited set is malformed');
    const [a, b, meta, sl] = file.words(words, 'its visited set is');
    d.visited = { kind: 'fpset', a, b, meta, ...(sl ? { sl } : {}), count: v.count ?? 0, full: !!v.full };
  } else if (v && (v.kind !== 'map' || !Array.isArray(v.entries))) throw bad('its visited set is malformed');
  return header as SearchCheckpoint;
}
