import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { State } from '../../src/model/state.js';
import { rng } from '../../src/explore/random.js';
import { librarySpec, randomWalks } from '../helpers/walks.js';

/**
 * The fingerprint names the whole state, so pruning by it is sound: a mutation test. Over
 * states reached by seeded random walks of specs that exercise every part of the model, every
 * leaf of the model state that a snapshot keeps (cloneState) is changed in turn, and so is every
 * array's length; each change must change the fingerprint, also where the unchanged tasks' digests
 * are lent by a snapshot. Fields derived from others (so they
 * never differ alone in a reachable state) are listed with the reason.
 */
const DERIVED: Record<string, string> = Object.fromEntries(['tasks[].', 'tasks[].irq.', 'tasks[].trap.'].flatMap((at) => [
  [`${at}passes{}.insns[].off`, 'pc minus the site base'],
  [`${at}passes{}.insns[].op`, 'decoded from bytes'],
  [`${at}passes{}.insns[].rd`, 'decoded from bytes'],
  [`${at}passes{}.insns[].rs1`, 'decoded from bytes'],
]));

/** Every field of State that must have been mutated at least once over the walks. */
const REQUIRED = [
  'tasks[].status', 'tasks[].hart', 'tasks[].preempt', 'tasks[].irqsOff', 'tasks[].started', 'tasks[].ip',
  'tasks[].ipiWait[]', 'tasks[].voluntary', 'tasks[].partial.pc', 'tasks[].partial.bytes[]', 'tasks[].partial.wids[]',
  'tasks[].passes{}.insns[].pc', 'tasks[].passes{}.insns[].bytes[]', 'tasks[].passes{}.insns[].wids[]', 'tasks[].passes{}.resumeAt',
  'tasks[].irq.regs[]', 'tasks[].irq.pc', 'tasks[].trap.regs[]', 'tasks[].trap.pc', 'tasks[].opSites[][]',
  'harts[].task', 'harts[].raised[][]', 'harts[].seen[][]', 'harts[].known[]', 'harts[].fenced[]', 'harts[].ipiClock[]',
  'harts[].irqs', 'harts[].ipiPending',
  'sm.phase', 'sm.requester', 'sm.body', 'sm.arrived[]', 'sm.runner', 'sm.ip', 'sm.flushed[]', 'sm.fnStarted', 'sm.flush', 'sm.fn', 'sm.arg',
  'sm.clock[]', 'versions[][][]', 'writes[].id', 'writes[].at', 'writes[].hart', 'writes[].clock[]', 'writes[].bytes[]', 'writes[].v[][]',
  'dclk[][]', 'dclk[][][]',
];

/** Message passing through shared data (no library spec stores to data from RV64 code). */
const MP = `
harts: 2
memory:
  - name: data
    kind: data
    at: 0x80001000
    asm: |
      flag: .dword 0
  - name: text
    kind: patchable
    at: 0x80000000
    asm: |
      writer:
        la t1, slot
        li t2, 0x00100513
        sw t2, 0(t1)
        la t1, flag
        li t2, 1
        sd t2, 0(t1)
        ret
      reader:
        la t1, flag
        ld t2, 0(t1)
        fence.i
      slot:
        nop
        ret
tasks:
  - { name: w, hart: 1, entry: writer }
  - { name: r, hart: 0, entry: reader }
`;

/** The kprobe spec with a handler that counts hits in shared data (a visible action inside the trap). */
const KPROBE_SHARED = () => readFileSync('specs/v-kprobe-arm-stop-machine.yaml', 'utf8')
  .replace('          addi    t6, t6, 1       # the pre-handler (its registers are restored after it)\n', '          la      t5, hits\n          ld      t4, 0(t5)\n          addi    t4, t4, 1\n          sd      t4, 0(t5)\n')
  .replace('memory:\n', 'memory:\n  - name: kprobe_data\n    kind: data\n    at: 0xffffffff81c00000\n    asm: "hits: .dword 0"\n');

/** `name` or `name@model`: a library spec, optionally under another fetch model. */
const load = (id: string) => librarySpec(id, id === 'mp-data' ? MP : id === 'kprobe-shared' ? KPROBE_SHARED() : undefined);

type Leaf = { path: (string | number)[]; norm: string };

function leaves(v: unknown, path: (string | number)[], norm: string, out: Leaf[], containers: Leaf[]): void {
  if (v !== null && typeof v === 'object') {
    if (norm.endsWith('passes')) {
      // Open passes by site index: entries without a pass are not state (nor is the length
      // they leave); adding a pass at a new index is (the container test below).
      containers.push({ path, norm: norm + '{}' });
      (v as unknown[]).forEach((x, i) => x !== undefined && leaves(x, [...path, i], norm + '{}', out, containers));
      return;
    }
    if (Array.isArray(v)) {
      containers.push({ path, norm: norm + '[]' });
      v.forEach((x, i) => leaves(x, [...path, i], norm + '[]', out, containers));
    } else {
      for (const k of Object.keys(v)) leaves((v as Record<string, unknown>)[k], [...path, k], `${norm}${norm ? '.' : ''}${k}`, out, containers);
    }
    return;
  }
  out.push({ path, norm });
}

function at(root: unknown, path: (string | number)[]): { parent: Record<string | number, unknown>; key: string | number } {
  let p = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) p = p[path[i]] as Record<string | number, unknown>;
  return { parent: p, key: path[path.length - 1] };
}

/** A value of the right shape for a field that is null in the state being mutated. */
const PRESENT: Record<string, unknown> = {
  partial: { pc: 0, bytes: [1], wids: [0] },
  irq: { regs: [0], pc: 0, passes: [] },
  trap: { regs: [0], pc: 0, passes: [] },
  ipiClock: [1],
  clock: [1],
  sm: { phase: 'gather', requester: 0, body: 0, fn: 0, arg: '0', flush: 'none', arrived: [], runner: -1, ip: 0, flushed: [], fnStarted: false, retA0: false, clock: null },
};

/** Fixed-size pairs ([site, version], [address, write time]): their length never changes. */
const TUPLES = new Set(['writes[].v[][]', 'harts[].raised[][]', 'harts[].seen[][]', 'tasks[].opSites[][]', 'dclk[][]',
  // Knowledge vectors have one entry per hart.
  'harts[].known[]', 'harts[].fenced[]', 'harts[].ipiClock[]', 'writes[].clock[]', 'sm.clock[]', 'dclk[][][]']);

/** An element of the right shape for an array that is empty in the state being mutated. */
const ELEMENT: Record<string, unknown> = {
  'tasks[].ipiWait[]': 1,
  'tasks[].opSites[]': [0, 1],
  'harts[].raised[]': [0, 1],
  'harts[].seen[]': [0, 1],
  'dclk[]': [0, [1]],
  'sm.arrived[]': 0,
  'sm.flushed[]': 0,
  'writes[]': { id: 1, at: 0, hart: 0, clock: [1], bytes: [1], v: [] },
  'deferred[]': { task: 0, hart: 0, site: 0, insns: [], jump: true, pc: 0, next: 0 },
};

function changed(v: unknown, key: string | number): unknown {
  if (v === null) return PRESENT[key] ?? 0;
  switch (typeof v) {
    case 'number': return v + 1;
    case 'boolean': return !v;
    case 'string': return v === 'ready' ? 'running' : v === 'gather' ? 'run' : v === 'fence.i' ? 'none' : v + '1';
    default: return 0; // null
  }
}

describe('the fingerprint covers every field the snapshot keeps', () => {
  const mutated = new Set<string>();
  const specs = ['v-b1-three-harts', 'd1-616-jalr-toggle-preempt-full', 'v-d1-rv64-patcher', 'v-b2-interrupts-no-preempt',
    'v-b2-fence-i-coherence-no-flush', 'f1-stop-machine-ipi-fence-i-deadlock', 'v-d1-traced-irq-handler', 'v-d1-no-ziccif',
    'elf-616-odd-rvc-torn', 'b3-nosync-smp', 'elf-63-enable-modify-preempt-full', 'd2-616-call-ops-pointer-race', 'mp-data',
    'g3-fetched-new-fence-i-fetches-old@ziccid', 'g4-fence-i-without-observing-the-write@ir3-fetch', 'v-d1-no-ziccif@ziccid',
    'v-kprobe-arm-stop-machine', 'kprobe-shared'];
  for (const name of specs) {
    it(`changing one field or one array length changes the fingerprint (${name})`, () => {
      const spec = load(name);
      randomWalks(spec, rng(11), { walks: 12, steps: 60, sample: 0.3 }, (m) => {
        // The state copied from a snapshot, as a search has it: each changed copy below is
        // compared with the snapshot's tasks, which lend their digests to equal tasks
        // (Machine.mixTask), so a field that comparison missed would keep the fingerprint.
        m.load(m.save());
        const fp = m.fingerprint();
        const orig: State = m.st;
        const out: Leaf[] = [];
        const containers: Leaf[] = [];
        leaves(orig, [], '', out, containers);
        for (const leaf of out) {
          if (DERIVED[leaf.norm]) continue;
          const copy = structuredClone(orig);
          const { parent, key } = at(copy, leaf.path);
          parent[key] = changed(parent[key], key);
          m.st = copy;
          expect(m.fingerprint(), `${name}: ${leaf.path.join('.')}`).not.toBe(fp);
          mutated.add(leaf.norm);
        }
        for (const c of containers) {
          const copy = structuredClone(orig);
          const { parent, key } = c.path.length ? at(copy, c.path) : { parent: { x: copy }, key: 'x' };
          const arr = parent[key] as unknown[];
          if (TUPLES.has(c.norm) || (!arr.length && !(c.norm in ELEMENT) && !c.norm.endsWith('passes{}'))) continue;
          if (c.norm.endsWith('passes{}')) arr.push({ insns: [], resumeAt: null });
          else arr.push(arr.length ? structuredClone(arr[arr.length - 1]) : ELEMENT[c.norm]);
          m.st = copy;
          expect(m.fingerprint(), `${name}: length of ${c.path.join('.')}`).not.toBe(fp);
        }
        m.st = orig;
        expect(m.fingerprint()).toBe(fp);
        // Registers of every task the state can still read, and LR reservations. A snapshot
        // first: the register digests kept with it must give way when a register changes
        // (changed as a part of the model does it, through hartChanged).
        m.save();
        expect(m.fingerprint()).toBe(fp);
        for (let i = 0; i < m.cpus.length; i++) {
          const done = m.taskDone(i);
          const r = m.cpus[i].r;
          r[10] ^= 1;
          m.hartChanged(i);
          if (!done) expect(m.fingerprint(), `${name}: a0 of task ${i}`).not.toBe(fp);
          r[10] ^= 1;
          m.hartChanged(i);
        }
        expect(m.fingerprint()).toBe(fp);
        m.mem.reserve(0, 0x1000, 8);
        expect(m.fingerprint(), `${name}: an lr reservation`).not.toBe(fp);
        m.mem.clearReservation(0);
        expect(m.fingerprint()).toBe(fp);
      });
    });
  }
  it('the walks reached every field of the state', () => {
    expect(REQUIRED.filter((f) => !mutated.has(f))).toEqual([]);
  });
});
