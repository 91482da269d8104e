/**
 * Symmetry reduction (issue 9; Ip & Dill, "Better verification through symmetry", FMSD 1996;
 * SPIN's and Murphi's scalarsets): identical caller tasks on interchangeable harts. A
 * permutation of such tasks — with their harts and their harts' stoppers — maps every
 * behaviour of the machine onto a behaviour, so two states related by one are explored once.
 * The visited set keys states by `canonical()`: the fingerprint of the state with each group's
 * slots sorted by a key of their own contents.
 *
 * Sound for any choice of sorting key: the canonical fingerprint is the fingerprint of a state
 * the permutation really maps this one to, so equal canonical fingerprints mean symmetric
 * states (up to a hash collision, as for the plain fingerprint). Equal keys only cost
 * reduction. Whether a permutation is an automorphism is decided once per spec, conservatively
 * (`findSymmetry`); when it cannot be shown, there is no group and the search is the plain one.
 *
 * What differs between members of a group is only where each lives: its stack (so `sp`) and
 * its hart number. The hart numbers are permuted through every structure that holds one
 * (tasks, knowledge vectors, stop_machine, write records, deferred passes); registers whose
 * initial values differ between members (sp) must be read by no instruction the machine can
 * execute, which is checked over every byte of code and every byte a patcher can write.
 *
 * Cycles: livelocks are judged on exact states (explore/scc.ts), and an edge inside a strongly
 * connected component that leads to a permuted image of a state (the callers' code spinning in
 * step, two pollers trading places) is seen by comparing exact names. The search then gives
 * symmetry up and runs again without it (explore/frontier.ts judge; bounded.ts, partition.ts),
 * saying so in the report: judging fairness up to a permutation would need the quotient graph
 * annotated with the permutations (Emerson and Sistla, "Utilizing symmetry when model-checking
 * under fairness assumptions", TOPLAS 1997). An earlier version claimed no such cycle exists
 * while groups hold only `call:` tasks: callers that spin on shared data make one.
 */
import type { TaskSpec } from '../spec/types.js';
import type { Core } from './core.js';
import { Clock, Hasher, Renaming, State } from './state.js';
import { waitedHart } from './kernel/ipi.js';
import { machineFingerprint, regsHashed } from './fingerprint.js';
import { decode } from '../isa/decode.js';

export interface SymmetryGroup {
  /** Spec task indices of the members, in spec order. */
  tasks: number[];
  /** The hart each member is pinned to. */
  harts: number[];
  /** The stopper task of each member's hart. */
  stoppers: number[];
}

export interface Symmetry {
  groups: SymmetryGroup[];
  /** Registers (x numbers) whose initial values differ inside a group: never read, so not hashed. */
  dead: number[];
  /** Why tasks that look alike are not a group (reports and tests); empty when there is a group or no candidates. */
  why: string[];
  /** By hart: whether it is a member's hart (its number moves under the renumbering). */
  moves: boolean[];
  /** By task: the registers hashed as zero (`dead` for members and their stoppers, none for the rest). */
  deadOf: (readonly number[])[];
}

const NONE: Symmetry = { groups: [], dead: [], why: [], moves: [], deadOf: [] };

/** What must be equal for two tasks to be interchangeable: everything but the name and the hart. */
function taskKey(t: TaskSpec): string | null {
  if (t.kind !== 'caller') return null;
  const regs = [...t.regs].sort((a, b) => a[0] - b[0]).map(([r, v]) => `${r}=${v}`);
  return JSON.stringify([t.call, t.times, t.stack, t.start, regs]);
}

/** Registers the instruction at bytes[o..] reads (rs1, rs2; compressed forms name theirs), and its length. */
function readsAt(bytes: ArrayLike<number>, o: number): { regs: number[]; len: number } | null {
  if (o + 2 > bytes.length) return null;
  const lo = bytes[o] | (bytes[o + 1] << 8);
  if ((lo & 3) === 3 && o + 4 > bytes.length) return null;
  const i = decode((lo & 3) === 3 ? (lo | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0 : lo);
  return i ? { regs: [i.rs1, i.rs2], len: i.size } : { regs: [], len: (lo & 3) === 3 ? 4 : 2 };
}

/**
 * Whether an instruction the machine can execute reads a register in `regs`. Execution
 * starts only at instruction starts (a jump anywhere else is a wild jump, which ends the
 * execution) and falls through by instruction length, so in code the offsets are the starts
 * and what follows them. In a site, a fetch takes each instruction's bytes from one version
 * (a mix of writes that matches no version is a torn instruction, which ends it too): every
 * version may be decoded at every offset that is an instruction start of any version. The
 * versions are bounded from above by every image one patcher's stores make, in order and alone.
 */
function executableReads(k: Core, regs: Set<number>): string | null {
  const hit = (bytes: ArrayLike<number>, o: number) => readsAt(bytes, o)?.regs.some((r) => regs.has(r)) ?? false;
  for (const r of k.spec.regions) {
    if (r.kind === 'data') continue;
    const todo = [...r.insnStarts];
    const seen = new Set<number>();
    while (todo.length) {
      const o = todo.pop()!;
      if (seen.has(o) || o >= r.bytes.length) continue;
      seen.add(o);
      if (hit(r.bytes, o)) return `${r.name}+0x${o.toString(16)}`;
      const n = readsAt(r.bytes, o);
      if (n) todo.push(o + n.len);
    }
  }
  for (const site of k.spec.sites) {
    const initial = Array.from(k.mem.peek(site.base, site.size + 2));
    const images: number[][] = [initial];
    let writer = -1;
    let two = false;
    k.programs.tasks.forEach((prog, ti) => {
      const ops = [...prog];
      for (const op of prog) if (op.k === 'stop_machine') ops.push(...k.programs.bodies[op.body]);
      const cur = initial.slice();
      for (const op of ops) {
        if (op.k !== 'store' || op.at + op.size <= site.base || op.at >= site.base + site.size) continue;
        if (writer >= 0 && writer !== ti) two = true;
        writer = ti;
        const alone = initial.slice();
        for (let i = 0; i < op.size; i++) {
          const at = op.at - site.base + i;
          if (at < 0 || at >= site.size) continue;
          cur[at] = alone[at] = Number((op.value >> BigInt(8 * i)) & 0xffn);
        }
        images.push(cur.slice(), alone);
      }
    });
    // Two writers interleave their stores: versions beyond these images (not bounded here).
    if (two) return `site ${site.name} (written by two tasks)`;
    const offsets = new Set<number>();
    for (const img of images) {
      for (let o = 0; o < site.size; ) {
        offsets.add(o);
        o += (img[o] & 3) === 3 ? 4 : 2;
      }
    }
    for (const o of offsets) for (const img of images) if (hit(img, o)) return `site ${site.name}+0x${o.toString(16)}`;
  }
  return null;
}

/**
 * The groups of interchangeable tasks, or none. Conditions (each keeps the permutation an
 * automorphism of the machine and of what is checked):
 * - members are `call:` tasks with the same function, count, stack size, start and registers,
 *   each pinned to a hart of its own that no other task may run on;
 * - no assertion or litmus outcome reads a member's registers;
 * - interrupts are taken on all of the group's harts or on none, and every remote fence.i that
 *   names harts names all or none of them;
 * - no RV64 code task runs (it could write code that reads sp), and no instruction in any
 *   code or patchable byte, nor in any byte a declarative patcher writes, at any even offset,
 *   reads a register whose initial value differs between members.
 */
export function findSymmetry(k: Core): Symmetry {
  const spec = k.spec;
  const byKey = new Map<string, number[]>();
  spec.tasks.forEach((t, i) => {
    const key = taskKey(t);
    if (key !== null && t.harts.length === 1) byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  const candidates = [...byKey.values()].filter((g) => g.length > 1);
  if (candidates.length === 0) return NONE;
  const why: string[] = [];
  const names = (g: number[]) => g.map((i) => spec.tasks[i].name).join(', ');
  if (spec.tasks.some((t) => t.kind === 'code')) return { ...NONE, why: ['an RV64 code task runs (the code it writes is not known before it runs)'] };
  const groups: SymmetryGroup[] = [];
  for (const g of candidates) {
    const harts = g.map((i) => spec.tasks[i].harts[0]);
    if (new Set(harts).size !== harts.length) {
      why.push(`${names(g)}: share a hart`);
      continue;
    }
    const hs = new Set(harts);
    if (spec.tasks.some((t, i) => !g.includes(i) && t.harts.some((h) => hs.has(h)))) {
      why.push(`${names(g)}: another task may run on their harts`);
      continue;
    }
    if (spec.assertions.some((a) => a.kind === 'register' && g.includes(a.task)) || spec.observe?.some((o) => g.includes(o.task))) {
      why.push(`${names(g)}: an assertion or outcome reads their registers`);
      continue;
    }
    const allOrNone = (list: number[]) => {
      const n = harts.filter((h) => list.includes(h)).length;
      return n === 0 || n === harts.length;
    };
    if (spec.interrupts.enabled && !allOrNone(spec.interrupts.harts)) {
      why.push(`${names(g)}: interrupts come on some of their harts only`);
      continue;
    }
    const fences = k.programs.tasks.flat().concat(k.programs.bodies.flat());
    if (fences.some((op) => op.k === 'remote_fence_i' && Array.isArray(op.harts) && !allOrNone(op.harts))) {
      why.push(`${names(g)}: a remote fence.i names some of their harts only`);
      continue;
    }
    groups.push({ tasks: g, harts, stoppers: harts.map((h) => k.layout.stopperOf[h]) });
  }
  if (groups.length === 0) return { ...NONE, why };
  // Registers that differ between members (or between their stoppers) at the start.
  const dead = new Set<number>();
  for (const g of groups) {
    for (const set of [g.tasks, g.stoppers]) {
      for (let r = 1; r < 32; r++) {
        const v = k.cpus[set[0]].getReg(r);
        if (set.some((t) => k.cpus[t].getReg(r) !== v)) dead.add(r);
      }
    }
  }
  if (dead.size > 0) {
    const list = [...dead].map((r) => `x${r}`).join(', ');
    const who = groups.map((g) => names(g.tasks)).join('; ');
    if (!spec.properties['torn-instruction']) return { ...NONE, why: [`${who}: torn instructions are not checked, so any bytes may run, and ${list} differ between them`] };
    const at = executableReads(k, dead);
    if (at) return { ...NONE, why: [`${who}: code at ${at} may read ${list}, which differ between them (their stacks)`] };
  }
  const moves = new Array<boolean>(spec.harts).fill(false);
  for (const g of groups) for (const h of g.harts) moves[h] = true;
  const deadList = [...dead].sort((a, b) => a - b);
  const deadOf = k.st.tasks.map((): readonly number[] => []);
  for (const g of groups) for (const t of [...g.tasks, ...g.stoppers]) deadOf[t] = deadList;
  return { groups, dead: deadList, why: [], moves, deadOf };
}

/**
 * Slot key: the contents of a member's slot, without its hart number (a sorting key only). It
 * reads only what the fingerprint hashes (a finished task's registers are not), so states
 * with one fingerprint sort alike.
 */
function slotKey(k: Core, sym: Symmetry, regsRead: readonly boolean[], task: number, hart: number, stopper: number): number {
  const h = new Hasher();
  for (let n = 0; n < 2; n++) {
    const ti = n === 0 ? task : stopper;
    k.mixTask(h, ti); // what the task holds but hart numbers (a member's are its own hart's)
    if (!regsHashed(k, regsRead, ti)) continue;
    const c = k.cpus[ti];
    h.mix(c.pc | 0);
    k.hashRegs(h, ti, sym.dead);
  }
  const hs = k.st.harts[hart];
  h.mix(hs.task === task ? 1 : hs.task === stopper ? 2 : hs.task < 0 ? 3 : 4);
  h.mix(hs.irqs);
  h.mix(hs.ipiPending ? 1 : 0);
  // Knowledge of writes by harts outside the groups (their numbers do not move), and its own.
  for (let w = 0; w < hs.known.length; w++) {
    if (w !== hart && sym.moves[w]) continue;
    h.mix(hs.known[w]);
    h.mix(hs.fenced[w]);
  }
  h.mix(hs.raised.length);
  h.mix(hs.seen.length);
  // 53 of the 64 bits, as one number (exact in a double): a sort key, compared as a number.
  return (h.a >>> 0) * 2097152 + (h.b >>> 11);
}

/**
 * The fingerprint of the state with each group's members sorted by slot key: the same
 * function as Machine.fingerprint over the permuted state (tasks and harts renumbered, dead
 * registers zero). `regsRead[i]`: task i's registers stay hashed once it is done.
 *
 * A canonical form: symmetric states get one fingerprint. The slot key is the same for a
 * member and its image under any permutation (it reads no hart number that moves), so sorting
 * by it leaves only the order of members whose keys tie open. A run of tied members that the
 * state treats alike in everything their keys do not read (`interchangeable`: what other harts
 * know of their writes, stop_machine's sets, IPI waits, ...) gives one fingerprint whatever
 * its order, so it keeps member order; for any other run every order is tried and the least
 * fingerprint taken (r! orders for a run of r, and the product over such runs). Until
 * 2026-12-02 every tie kept member order, which made the name of a state depend on which
 * representative of its orbit the search reached (less reduction, and a set of stored states
 * that depended on the order of the search: docs/scale.md, "Two phases").
 * `exact` tries every order of every group (k! a group: the reference the tests compare with).
 */
export function canonicalFingerprint(k: Core, sym: Symmetry, regsRead: readonly boolean[], exact = false, maps?: CanonicalMaps): string {
  if (exact) {
    let best: string | null = null;
    const orders = sym.groups.map((g) => permutations(g.tasks.length));
    const pick = (gi: number, chosen: number[][]) => {
      if (gi === orders.length) {
        const fp = fingerprintIn(k, sym, regsRead, chosen);
        if (best === null || fp < best) best = fp;
        return;
      }
      for (const o of orders[gi]) pick(gi + 1, [...chosen, o]);
    };
    pick(0, []);
    return best!;
  }
  let m = 0; // members numbered across the groups (the machine keeps their keys: Core.slotKey)
  let open: Run[] | null = null; // runs of tied members the state does not treat alike
  const orders = sym.groups.map((g, gi) => {
    // Insertion sort by key, ties in member order (a stable sort: a group has a few members).
    const n = g.tasks.length;
    const keys = new Array<number>(n);
    const order = new Array<number>(n);
    for (let j = 0; j < n; j++, m++) {
      let key = k.slotKey(m, g.tasks[j], g.harts[j], g.stoppers[j]);
      if (key < 0) k.keepSlotKey(m, (key = slotKey(k, sym, regsRead, g.tasks[j], g.harts[j], g.stoppers[j])));
      let i = j;
      for (; i > 0 && keys[i - 1] > key; i--) {
        keys[i] = keys[i - 1];
        order[i] = order[i - 1];
      }
      keys[i] = key;
      order[i] = j;
    }
    for (let from = 0; from < n - 1; ) {
      let to = from + 1;
      while (to < n && keys[to] === keys[from]) to++;
      if (to - from > 1 && !interchangeable(k, g, order, from, to)) (open ??= []).push({ group: gi, from, to });
      from = to;
    }
    return order;
  });
  if (open === null) return fingerprintIn(k, sym, regsRead, orders, maps);
  return leastOver(k, sym, regsRead, orders, open, maps);
}

/** Positions [from, to) of group `group`'s sorted order, whose members' keys tie. */
interface Run {
  group: number;
  from: number;
  to: number;
}

/** The least fingerprint over every order of each run (the others as sorted), with its renumbering. */
function leastOver(k: Core, sym: Symmetry, regsRead: readonly boolean[], orders: number[][], runs: Run[], maps?: CanonicalMaps): string {
  let best: string | null = null;
  let bestMaps: CanonicalMaps | null = null;
  const base = runs.map((r) => orders[r.group].slice(r.from, r.to));
  const visit = (ri: number) => {
    if (ri === runs.length) {
      const mine: CanonicalMaps | undefined = maps ? { task: [], hart: [] } : undefined;
      const fp = fingerprintIn(k, sym, regsRead, orders, mine);
      if (best === null || fp < best) {
        best = fp;
        bestMaps = mine ?? null;
      }
      return;
    }
    const r = runs[ri];
    for (const p of permutations(r.to - r.from)) {
      for (let i = 0; i < p.length; i++) orders[r.group][r.from + i] = base[ri][p[i]];
      visit(ri + 1);
    }
  };
  visit(0);
  if (maps && bestMaps) {
    maps.task = (bestMaps as CanonicalMaps).task;
    maps.hart = (bestMaps as CanonicalMaps).hart;
  }
  return best!;
}

/**
 * Whether the state is unchanged (as the fingerprint hashes it) by every permutation of the
 * members at positions [from, to) of group g's order, given that their slot keys tie: what
 * the keys do not read must not tell them apart. Conservative (false sends the run to
 * leastOver, which is exact whatever this says; a wrong true would only cost reduction).
 */
function interchangeable(k: Core, g: SymmetryGroup, order: readonly number[], from: number, to: number): boolean {
  const st = k.st;
  const nH = st.harts.length;
  const mark = marks(Math.max(nH, st.tasks.length));
  const run = ++stamp; // the run's harts and its members' tasks are marked with it
  for (let p = from; p < to; p++) harts[g.harts[order[p]]] = run;
  const j0 = order[from];
  const h0 = g.harts[j0];
  const h1 = g.harts[order[from + 1]];
  const x0 = st.harts[h0];
  for (let x = 0; x < nH; x++) {
    const hx = st.harts[x];
    if (harts[x] !== run) {
      if (!alike(hx.known, g, order, from, to) || !alike(hx.fenced, g, order, from, to) || !alike(hx.ipiClock, g, order, from, to)) return false;
      continue;
    }
    if (x === h0) continue;
    if (!matches(hx.known, x0.known, x, h1, run, nH) || !matches(hx.fenced, x0.fenced, x, h1, run, nH) || !matches(hx.ipiClock, x0.ipiClock, x, h1, run, nH)) return false;
    if (!pairs(hx.raised, x0.raised) || !pairs(hx.seen, x0.seen)) return false;
  }
  // The first member's clocks at the others of the run hold the one value the others hold of each other.
  if (x0.known !== null && !alike0(x0.known, g, order, from, to, h0)) return false;
  if (x0.fenced !== null && !alike0(x0.fenced, g, order, from, to, h0)) return false;
  if (x0.ipiClock !== null && !alike0(x0.ipiClock, g, order, from, to, h0)) return false;
  for (let p = from; p < to; p++) {
    mark[g.tasks[order[p]]] = run;
    mark[g.stoppers[order[p]]] = run;
  }
  const t0 = st.tasks[g.tasks[j0]], s0 = st.tasks[g.stoppers[j0]];
  for (let p = from + 1; p < to; p++) {
    const j = order[p];
    if ((st.tasks[g.tasks[j]].hart === g.harts[j]) !== (t0.hart === h0)) return false;
    if ((st.tasks[g.stoppers[j]].hart === g.harts[j]) !== (s0.hart === h0)) return false;
  }
  for (let t = 0; t < st.tasks.length; t++) {
    const w = st.tasks[t].ipiWait;
    for (let i = 0; i < w.length; i++) if (harts[waitedHart(w[i])] === run) return false;
    if (mark[t] === run && k.mem.reservationOf(t) !== null) return false;
  }
  const sm = st.sm;
  if (sm) {
    if (sm.requester >= 0 && mark[sm.requester] === run) return false;
    if (sm.runner >= 0 && harts[sm.runner] === run) return false;
    if (!allOrNone(sm.arrived, run, to - from) || !allOrNone(sm.flushed, run, to - from) || !alike(sm.clock, g, order, from, to)) return false;
  }
  for (const w of st.writes) if ((w.hart >= 0 && harts[w.hart] === run) || !alike(w.clock, g, order, from, to)) return false;
  for (const d of st.deferred) if ((d.task >= 0 && mark[d.task] === run) || (d.hart >= 0 && harts[d.hart] === run)) return false;
  for (const [, c] of st.dclk) if (!alike(c, g, order, from, to)) return false;
  return true;
}

/**
 * interchangeable()'s marks, kept between calls so that it allocates nothing (it runs on
 * every state with a tie): a hart (or task) is in the current run when its entry holds the
 * call's stamp, so no call has to clear them.
 */
let harts = new Int32Array(64), tasks = new Int32Array(64), stamp = 0;

/** The task marks, with room for n (the hart marks grown alike); new ones before the stamp wraps. */
function marks(n: number): Int32Array {
  if (n > tasks.length || stamp === 0x7fffffff) {
    harts = new Int32Array(2 * n);
    tasks = new Int32Array(2 * n);
    stamp = 0;
  }
  return tasks;
}

/** A clock is alike at the run's harts (positions [from, to) of g's order). */
function alike(c: Clock | null, g: SymmetryGroup, order: readonly number[], from: number, to: number): boolean {
  if (c === null) return true;
  const v = c[g.harts[order[from]]];
  for (let p = from + 1; p < to; p++) if (c[g.harts[order[p]]] !== v) return false;
  return true;
}

/**
 * Member hart `own`'s clock c matches the first member's c0: the same at the nH harts outside
 * the run (not marked `run`), and at the run's others the one value c0 holds at h1.
 */
function matches(c: Clock | null, c0: Clock | null, own: number, h1: number, run: number, nH: number): boolean {
  if (c === null || c0 === null) return c === c0;
  const other = c0[h1];
  for (let w = 0; w < nH; w++) {
    if (w === own) continue;
    if (harts[w] === run ? c[w] !== other : c[w] !== c0[w]) return false;
  }
  return true;
}

/** Two sorted (address, write) lists are equal. */
function pairs(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

/** The first member's clock holds one value at the run's other harts. */
function alike0(c: Clock, g: SymmetryGroup, order: readonly number[], from: number, to: number, h0: number): boolean {
  let v: number | null = null;
  for (let p = from; p < to; p++) {
    const h = g.harts[order[p]];
    if (h === h0) continue;
    if (v === null) v = c[h];
    else if (c[h] !== v) return false;
  }
  return true;
}

/** A list of harts holds all of the run's (marked `run`) or none. */
function allOrNone(list: readonly number[], run: number, size: number): boolean {
  let n = 0;
  for (const h of list) if (h >= 0 && harts[h] === run) n++;
  return n === 0 || n === size;
}

/** The renumbering a canonical fingerprint was taken under: old task -> new task, old hart -> new hart. */
export interface CanonicalMaps {
  task: number[];
  hart: number[];
}

const PERMUTATIONS: number[][][] = [];

/** Every order of 0..n-1 (made once a size). */
function permutations(n: number): readonly number[][] {
  if (n <= 1) return [[0]];
  const known = PERMUTATIONS[n];
  if (known) return known;
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return (PERMUTATIONS[n] = out);
}

function identity(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The fingerprint with group g's slot orders[g][p] moved to position p. */
function fingerprintIn(k: Core, sym: Symmetry, regsRead: readonly boolean[], orders: readonly number[][], maps?: CanonicalMaps): string {
  const nTasks = k.st.tasks.length;
  const nHarts = k.spec.harts;
  const P = identity(nTasks); // old task -> new task
  const H = identity(nHarts); // old hart -> new hart
  let moved = false;
  for (let gi = 0; gi < sym.groups.length; gi++) {
    const g = sym.groups[gi];
    const order = orders[gi];
    for (let p = 0; p < order.length; p++) {
      const j = order[p];
      if (j === p) continue;
      P[g.tasks[j]] = g.tasks[p];
      P[g.stoppers[j]] = g.stoppers[p];
      H[g.harts[j]] = g.harts[p];
      moved = true;
    }
  }
  let R: Renaming | null = null;
  let Q: number[]; // new task -> old task
  if (moved) {
    Q = new Array<number>(nTasks);
    for (let i = 0; i < nTasks; i++) Q[P[i]] = i;
    const Hinv = new Array<number>(nHarts);
    for (let i = 0; i < nHarts; i++) Hinv[H[i]] = i;
    R = { task: P, taskInv: Q, hart: H, hartInv: Hinv };
  } else {
    for (let i = 0; i < nTasks; i++) P[i] = i;
    for (let i = 0; i < nHarts; i++) H[i] = i;
    Q = P;
  }
  if (maps) {
    maps.task = P;
    maps.hart = H;
  }
  return machineFingerprint(k, regsRead, k.st, moved ? Q : null, sym.deadOf, R);
}

/**
 * The state with task i renumbered P[i] and hart h renumbered H[h], everywhere one is held:
 * the reference for hashState under a renaming, which hashes this state without building it
 * (written plainly, apart from it, so that the comparison means something; off the hot path).
 */
export function permuteState(st: State, P: readonly number[], H: readonly number[]): State {
  const clock = (c: Clock): Clock => {
    const out = new Array<number>(c.length);
    for (let w = 0; w < c.length; w++) out[H[w]] = c[w];
    return out;
  };
  const hart = (h: number) => (h >= 0 ? H[h] : h);
  const task = (t: number) => (t >= 0 ? P[t] : t);
  const tasks = new Array<State['tasks'][number]>(st.tasks.length);
  st.tasks.forEach((t, i) => {
    tasks[P[i]] = { ...t, hart: hart(t.hart), ipiWait: t.ipiWait.map((e) => (e >= 0 ? H[e] : -(H[-e - 1] + 1))).sort((a, b) => a - b) }; // a firmware wait, -(x + 1), renamed too (written apart from state.ts renamedWait: this is its reference)
  });
  const harts = new Array<State['harts'][number]>(st.harts.length);
  st.harts.forEach((x, i) => {
    harts[H[i]] = { ...x, task: task(x.task), known: clock(x.known), fenced: clock(x.fenced), ipiClock: x.ipiClock && clock(x.ipiClock) };
  });
  const sm = st.sm && {
    ...st.sm,
    requester: task(st.sm.requester),
    runner: hart(st.sm.runner),
    arrived: st.sm.arrived.map(hart).sort((a, b) => a - b),
    flushed: st.sm.flushed.map(hart).sort((a, b) => a - b),
    clock: st.sm.clock && clock(st.sm.clock),
  };
  return {
    tasks,
    harts,
    sm,
    versions: st.versions,
    writes: st.writes.map((w) => ({ ...w, hart: hart(w.hart), clock: clock(w.clock) })),
    deferred: st.deferred.map((d) => ({ ...d, task: task(d.task), hart: hart(d.hart) })),
    dclk: st.dclk.map(([a, c]) => [a, clock(c)] as [number, Clock]),
  };
}
