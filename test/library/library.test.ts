/**
 * The scenario library (specs/) as a regression suite, run in memory through the checker's
 * library API: every spec's verdict, the property (and kind, site, landing, target) of the
 * violations it must report, and, for every violation found, that replaying its witness
 * schedule reproduces exactly that violation.
 *
 * Each spec in specs/ must have a row here: a new spec without one fails the suite, so its
 * expectation is written down twice (in its `expect:` and here, with more detail).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpecText, replay } from '../../src/api/check.js';

const SPECS = resolve(__dirname, '../../specs');

interface Expected {
  verdict: 'safe' | 'unsafe';
  /** Violations that must be among the findings (a subset: more may be found). */
  must?: Array<{
    property: string;
    kind?: string;
    site?: string;
    landing?: 'benign' | 'wild';
    /** The jump target, as unsigned 64-bit hex. */
    target?: string;
    versions?: number[];
    /** Preemptions of the minimal witness. */
    preemptions?: number;
  }>;
  /** Properties no finding may have (e.g. a torn-instruction in a spec about mixing). */
  never?: string[];
}

// f + hi(ftrace_caller - f) + lo(ftrace_regs_caller - f) for the B/C family's addresses.
const MIXED_B = '0xffffffff8000b7c4';

const LIBRARY: Record<string, Expected> = {
  'a1-ra-entry-enable-stop-machine-no-preempt': { verdict: 'safe' },
  'a2-ra-entry-enable-stop-machine-preempt-full': {
    verdict: 'unsafe',
    must: [
      { property: 'mixed-target', kind: 'stale-ra', site: 'f', versions: [0, 1], preemptions: 1 },
      { property: 'mixed-target', kind: 'nop-jalr', site: 'f', landing: 'wild', preemptions: 1 },
    ],
    never: ['torn-instruction', 'deadlock'],
  },
  'b1-stop-machine-preempt-full': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 1], preemptions: 1 }],
  },
  'b2-stop-machine-preempt-none': { verdict: 'safe' },
  'b3-nosync-smp': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, preemptions: 0 }],
  },
  'b4-t0-entry-enable-stop-machine-preempt-full': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'nop-jalr', site: 'f', landing: 'wild', versions: [0, 1], preemptions: 1 }],
    never: ['torn-instruction', 'deadlock'],
  },
  'c1-sd-pair-ziccif-no-stop-machine': {
    verdict: 'unsafe',
    // Plain SMP: no preemption needed, the two 4-byte fetches straddle the sd.
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 1], preemptions: 0 }],
    never: ['torn-instruction'],
  },
  'c2-sd-pair-fetch8-no-preempt': {
    verdict: 'unsafe',
    // Each instruction fetch is its own event: the jalr may be fetched again after the sd,
    // whatever the 8-byte granule (docs/scenarios.md, C2).
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 1], preemptions: 0 }],
  },
  'c2-sd-pair-fetch8-preempt-full': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, preemptions: 0 }],
  },
  'd1-616-jalr-toggle-preempt-full': { verdict: 'safe' },
  // Issue 8's gaps: each was "safe" under the first fetch model (docs/scenarios.md).
  'g1-cnop-pair-to-nop4-aligned': {
    verdict: 'unsafe',
    must: [{ property: 'illegal-instruction', kind: 'illegal', site: 'f', preemptions: 0 }],
    never: ['torn-instruction', 'mixed-target'],
  },
  'g2-call-ops-literal-loaded-twice': { verdict: 'unsafe', must: [{ property: 'assertion', kind: 'assertion', preemptions: 0 }] },
  'g3-fetched-new-fence-i-fetches-old': { verdict: 'unsafe', must: [{ property: 'assertion', kind: 'assertion', preemptions: 0 }] },
  'g4-fence-i-without-observing-the-write': { verdict: 'unsafe', must: [{ property: 'assertion', kind: 'assertion', preemptions: 0 }] },
  'g5-mp-load-then-fence-i': { verdict: 'safe' },
  // Issue 8's knobs.
  'v-b1-trap-rewind': { verdict: 'safe' },
  'v-b1-stop-machine-outside-sites': { verdict: 'safe' },
  'v-b1-stop-machine-outside-sites-two-tasks': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 1], preemptions: 1 }],
  },
  'v-kprobe-arm-stop-machine': { verdict: 'safe' },
  'v-kprobe-arm-unaligned-no-stop-machine': { verdict: 'unsafe', must: [{ property: 'torn-instruction', kind: 'torn', site: 'g', versions: [0, 1], preemptions: 0 }] },
  'v-d1-nop-encodings-benign': { verdict: 'safe', must: [{ property: 'mixed-target', kind: 'nops', site: 'f', preemptions: 0 }] },
  'd2-616-call-ops-pointer-race': { verdict: 'safe' },
  'e1-static-key-unaligned-two-sh': {
    verdict: 'unsafe',
    must: [{ property: 'torn-instruction', kind: 'torn', site: 'static_key', versions: [0, 1], preemptions: 0 }],
  },
  'e2-static-key-aligned-sw': { verdict: 'safe' },
  'f1-stop-machine-ipi-fence-i-deadlock': {
    verdict: 'unsafe',
    must: [{ property: 'deadlock', kind: 'ipi' }],
    never: ['mixed-target', 'torn-instruction'],
  },
  'v-b1-three-harts': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, preemptions: 1 }],
  },
  'v-b1-preempt-voluntary': { verdict: 'safe' },
  'v-b2-interrupts-no-preempt': { verdict: 'safe' },
  'v-b2-fence-i-coherence-stopper-flush': { verdict: 'safe' },
  'v-b2-fence-i-coherence-no-flush': {
    verdict: 'unsafe',
    // Stale fetch alone: no preemption, and both orders of mixing are possible.
    must: [
      { property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 1], preemptions: 0 },
      { property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', versions: [1, 0], preemptions: 0 },
    ],
  },
  'v-c2-sd-pair-fetch8-interrupts': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, preemptions: 0 }],
  },
  'v-d1-migrating-caller': { verdict: 'safe' },
  'v-d1-traced-irq-handler': { verdict: 'safe' },
  'v-d1-no-fence-i': { verdict: 'safe' },
  'v-d1-three-harts': { verdict: 'safe' },
  'v-d1-no-ziccif': {
    verdict: 'unsafe',
    // One aligned sw, but a 16-bit fetch granule: the jalr word tears without any preemption.
    must: [{ property: 'torn-instruction', kind: 'torn', site: 'f', versions: [0, 1], preemptions: 0 }],
    never: ['mixed-target'],
  },
  // D1 with the patcher as RV64 code (sw + ecall services): the same verdict as D1. A jalr
  // fetched between the patcher's sw and its patch_done belongs to the version that
  // patch_done declares.
  'v-d1-rv64-patcher': { verdict: 'safe', never: ['mixed-target', 'torn-instruction', 'wild-jump'] },
  'v-d1-retarget-auipc-no-stop-machine': {
    verdict: 'unsafe',
    // Both mixes, with no preemption: new auipc + old jalr, and old auipc + new jalr.
    must: [
      { property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: '0xffffffff8000d2f0', versions: [2, 1], preemptions: 0 },
      { property: 'mixed-target', kind: 'auipc-jalr', site: 'f', landing: 'wild', target: MIXED_B, versions: [0, 2], preemptions: 0 },
    ],
  },
  'elf-616-enable-disable-preempt-full': { verdict: 'safe' },
  'elf-616-call-ops-enable-modify': { verdict: 'safe' },
  'elf-63-enable-modify-preempt-full': {
    verdict: 'unsafe',
    must: [
      { property: 'mixed-target', kind: 'nop-jalr', site: 'traced_func', landing: 'wild', versions: [0, 1], preemptions: 1 },
      // hi(ftrace_caller - f) + lo(ftrace_regs_caller - f) from traced_func = 0xffffffff80200000.
      { property: 'mixed-target', kind: 'auipc-jalr', site: 'traced_func', landing: 'wild', target: '0xffffffff80a3bc20', versions: [1, 2], preemptions: 1 },
    ],
  },
  'elf-616-odd-rvc-torn': {
    verdict: 'unsafe',
    must: [{ property: 'torn-instruction', kind: 'torn', site: 'traced_func', versions: [0, 1], preemptions: 0 }],
  },
};

/**
 * specs/kernel/: the kernel's own code (kbuild objects of Debian's linux-source packages, built
 * by fixtures/kernel/build.sh). Each row skips, printing why, when its version is not built.
 */
const KERNEL: Record<string, Expected> = {
  'k612-caller-declarative-stop-machine-preempt-none': { verdict: 'safe' },
  'k612-caller-declarative-stop-machine-preempt-full': {
    verdict: 'unsafe',
    must: [
      { property: 'mixed-target', kind: 'nop-jalr', site: 'add_range_with_merge', landing: 'wild', versions: [0, 1], preemptions: 1 },
      { property: 'illegal-instruction', kind: 'illegal', site: 'add_range_with_merge', preemptions: 1 },
    ],
    never: ['torn-instruction', 'deadlock'],
  },
  'k612-make-call-stop-machine-preempt-none': { verdict: 'safe' },
  'k612-make-call-stop-machine-preempt-full': {
    verdict: 'unsafe',
    must: [
      { property: 'mixed-target', kind: 'nop-jalr', site: 'add_range_with_merge', landing: 'wild', versions: [0, 1], preemptions: 1 },
      { property: 'illegal-instruction', kind: 'illegal', site: 'add_range_with_merge', preemptions: 1 },
    ],
    never: ['torn-instruction', 'deadlock'],
  },
  'k612-make-call-no-stop-machine': {
    verdict: 'unsafe',
    must: [
      { property: 'torn-instruction', kind: 'torn', site: 'add_range_with_merge', versions: [0, 1], preemptions: 0 },
      { property: 'mixed-target', kind: 'nop-jalr', site: 'add_range_with_merge', landing: 'wild', preemptions: 0 },
    ],
    never: ['deadlock'],
  },
  'k612-update-ftrace-func-preempt-full': {
    verdict: 'unsafe',
    must: [{ property: 'mixed-target', kind: 'auipc-jalr', site: 'ftrace_call', landing: 'wild', versions: [0, 1], preemptions: 1 }],
    never: ['torn-instruction'],
  },
  // The real patch_text_cb on every hart (stop_machine with cpu_online_mask): the handshake checked.
  'k612-patch-text-cpumask-preempt-none': { verdict: 'safe' },
  // arch_ftrace_update_code -> stop_machine on every hart -> __ftrace_modify_code -> ftrace_make_call.
  'k612-update-code-make-call-preempt-none': { verdict: 'safe' },
  'k61-make-call-no-stop-machine': {
    verdict: 'unsafe',
    must: [{ property: 'torn-instruction', kind: 'torn', site: 'add_range_with_merge', versions: [0, 1], preemptions: 0 }],
    never: ['deadlock'],
  },
  'k61-make-call-stop-machine-sbi': { verdict: 'safe' },
  // The real 6.1 patch_text_cb on every hart: SBI flush safe, IPI flush hangs (its spin is real code: a livelock).
  'k61-patch-text-cpumask-sbi': { verdict: 'safe' },
  'k61-patch-text-cpumask-ipi-deadlock': { verdict: 'unsafe', must: [{ property: 'deadlock', kind: 'livelock', preemptions: 0 }], never: ['mixed-target', 'torn-instruction'] },
  'k61-make-call-stop-machine-ipi-deadlock': { verdict: 'unsafe', must: [{ property: 'deadlock', kind: 'ipi', preemptions: 0 }], never: ['mixed-target', 'torn-instruction'] },
};

const hex = (v: number) => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

function check(name: string, overrides: string[] = [], dir = SPECS) {
  const file = join(dir, `${name}.yaml`);
  const r = checkSpecText(readFileSync(file, 'utf8'), file, {
    overrides,
    readFile: (p) => readFileSync(p),
    resolvePath: (p) => resolve(dirname(file), p),
  });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
  return r;
}

describe('scenario library', () => {
  const files = readdirSync(SPECS).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();

  it('every spec in specs/ has an expectation here, and every expectation a spec', () => {
    expect(files).toEqual(Object.keys(LIBRARY).sort());
  });

  for (const name of files) {
    const want = LIBRARY[name];
    if (!want) continue;
    it(`${name}: ${want.verdict}`, () => expectRow(check(name), want));
  }
});

describe('scenario library: specs/kernel/', () => {
  const dir = join(SPECS, 'kernel');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();

  it('every spec in specs/kernel/ has an expectation here, and every expectation a spec', () => {
    expect(files).toEqual(Object.keys(KERNEL).sort());
  });

  for (const name of files) {
    const want = KERNEL[name];
    if (!want) continue;
    const ver = /^k612-/.test(name) ? '6.12' : '6.1';
    const missing = existsSync(join(SPECS, '../fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (fixtures/kernel/build.sh ${ver}); skipping specs/kernel/${name}`;
    if (missing) console.warn(missing);
    it.skipIf(missing)(`${name}: ${want.verdict}`, () => {
      const t = Date.now();
      const r = check(name, [], dir);
      expectRow(r, want);
      // Kept fast: the kernel specs run in CI beside the library.
      expect(Date.now() - t).toBeLessThan(20000);
    });
  }
});

/** A checked spec meets its row: verdict, the violations it must and must never report, replays. */
function expectRow(r: ReturnType<typeof check>, want: Expected): void {
  const { result } = r;
  expect(result.complete, `search cut short: ${result.limit}`).toBe(true);
  expect(result.verdict).toBe(want.verdict);
  // The spec's own expect: agrees with the checker (what `check specs/` reports).
  expect(r.matches).toBe(true);
  if (want.verdict === 'safe') {
    // A safe spec may report benign findings only (a mix of nops), never a failing one.
    expect(result.findings.filter((f) => !f.violation.benign)).toEqual([]);
    if (!want.must) expect(result.findings).toEqual([]);
  }
  for (const m of want.must ?? []) {
    const hits = result.findings.filter((f) =>
      f.violation.property === m.property &&
      (m.kind === undefined || f.violation.kind === m.kind) &&
      (m.site === undefined || f.violation.site === m.site) &&
      (m.landing === undefined || f.violation.landing === m.landing) &&
      (m.target === undefined || (f.violation.target !== undefined && hex(f.violation.target) === m.target)) &&
      (m.versions === undefined || JSON.stringify(f.violation.versions) === JSON.stringify(m.versions)));
    expect(hits.length, `no ${JSON.stringify(m)} among ${JSON.stringify(result.findings.map((f) => f.violation))}`).toBeGreaterThan(0);
    if (m.preemptions !== undefined) {
      // The minimal witness of that violation needs exactly this many preemptions.
      expect(Math.min(...hits.map((f) => f.preemptions))).toBe(m.preemptions);
    }
  }
  for (const p of want.never ?? []) {
    expect(result.findings.filter((f) => f.violation.property === p)).toEqual([]);
  }
  // Every witness replays to the very same violation.
  for (const f of result.findings) {
    const rep = replay(r.spec, f.schedule);
    if (f.violation.kind === 'livelock') {
      // A livelock's witness leads into the cycle; replaying it cannot see the cycle, only
      // that the execution has not finished there.
      expect(rep.finished, `replay of ${f.schedule}`).toBe(false);
      continue;
    }
    expect(rep.violation, `replay of ${f.schedule}`).toEqual(f.violation);
    expect(rep.preemptions).toBe(f.preemptions);
  }
}

describe('witnesses read like the kernel developers explanation', () => {
  it('C1: the caller fetches the old auipc, the sd lands, then it fetches the new jalr', () => {
    const r = check('c1-sd-pair-ziccif-no-stop-machine');
    const f = r.result.findings.find((x) => x.violation.kind === 'auipc-jalr')!;
    const rep = replay(r.spec, f.schedule);
    const order = rep.trace
      .filter((e) => (e.kind === 'insn' && e.task === 'caller' && e.insn) || (e.kind === 'store' && e.task === 'patcher'))
      .map((e) => (e.kind === 'store' ? 'store' : `${e.insn!.op}@v${e.fetched!.map((b) => b.version).join('')}`))
      .filter((s) => s === 'store' || s.startsWith('auipc') || s.startsWith('jalr'));
    expect(order.slice(-3)).toEqual(['auipc@v0000', 'store', 'jalr@v1111']);
  });

  it('E1: the torn instruction is the new low half with the old high half (j . — the QEMU hang)', () => {
    const r = check('e1-static-key-unaligned-two-sh');
    const words = new Set<number>();
    for (const f of r.result.findings) {
      const rep = replay(r.spec, f.schedule);
      const last = rep.trace.filter((e) => e.kind === 'insn').at(-1)!;
      words.add(last.insn!.bits >>> 0);
      expect(new Set(last.fetched!.map((b) => b.version)).size).toBe(2);
    }
    // jal x0, 0 is 0x0000006f: opcode and rd of `j l_yes` (0x0060006f) with the nop's zero high half.
    expect([...words].some((w) => w === 0x0000006f || w === 0x00600013)).toBe(true);
  });

  it('F1: the patcher waits for an IPI the spinning stopper can never take', () => {
    const r = check('f1-stop-machine-ipi-fence-i-deadlock');
    const f = r.result.findings[0];
    expect(f.violation.message).toMatch(/interrupts off/);
    const rep = replay(r.spec, f.schedule);
    expect(rep.finished).toBe(false);
    expect(rep.trace.some((e) => /remote fence\.i IPI/.test(e.text ?? ''))).toBe(true);
  });
});

/**
 * A safe verdict is only worth something if the spec is safe for the reason its header
 * gives. Each row turns exactly that reason off with one `--set` and the spec must turn
 * unsafe, with the property the header predicts.
 */
const MUTATIONS: Array<{ spec: string; set: string[]; why: string; property: string; kind?: string }> = [
  { spec: 'a1-ra-entry-enable-stop-machine-no-preempt', set: ['kernel.preemption=full'], why: 'A1 is A2 without preemption', property: 'mixed-target' },
  { spec: 'b2-stop-machine-preempt-none', set: ['kernel.preemption=full'], why: 'B2 is B1 without preemption', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'd1-616-jalr-toggle-preempt-full', set: ['tasks.2.patch.0.write.stores=[2,2]'], why: 'the jalr word must be one store', property: 'torn-instruction' },
  { spec: 'd1-616-jalr-toggle-preempt-full', set: ['tasks.2.patch.2.write.asm=jalr t0, -1904(t0)'], why: 'the jalr lo must belong to the fixed auipc', property: 'wild-jump', kind: 'site-exit' },
  { spec: 'v-d1-three-harts', set: ['tasks.2.patch.0.write.stores=[2,2]'], why: 'the enable must be one store, also with 3 harts', property: 'torn-instruction' },
  { spec: 'd2-616-call-ops-pointer-race', set: ['tasks.2.patch.0.write.stores=[2,2,2,2]'], why: 'the ops pointer must be one 8-byte store', property: 'fault' },
  { spec: 'e2-static-key-aligned-sw', set: ['tasks.1.patch.0.write.stores=[2,2]'], why: 'E2 is E1 with one sw', property: 'torn-instruction' },
  { spec: 'v-b1-preempt-voluntary', set: ['kernel.preemption=full'], why: 'voluntary is safe because no cond_resched sits inside the entry', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'v-b2-interrupts-no-preempt', set: ['kernel.preemption=full'], why: 'interrupts are harmless only without preemption', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'v-b2-fence-i-coherence-stopper-flush', set: ['tasks.1.patch.0.stop_machine.flush=none'], why: 'the stoppers fence.i is what hides stale fetches', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'elf-616-enable-disable-preempt-full', set: ['tasks.2.patch.0.write.stores=[2,2]'], why: 'the jalr word must be one store', property: 'torn-instruction' },
  { spec: 'v-b1-trap-rewind', set: ['kernel.trap-rewind=false'], why: 'without the rewind it is B1', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'v-b1-stop-machine-outside-sites', set: ['kernel.stop-machine-entry=anywhere'], why: 'without the rule it is B1', property: 'mixed-target', kind: 'auipc-jalr' },
  { spec: 'v-d1-nop-encodings-benign', set: ['properties.mixed-target=strict'], why: 'strict: a mix of nops fails too', property: 'mixed-target', kind: 'nops' },
];

describe('safe specs are safe for the reason they give', () => {
  for (const m of MUTATIONS) {
    it(`${m.spec} --set ${m.set.join(' ')}: unsafe (${m.why})`, () => {
      expect(LIBRARY[m.spec].verdict).toBe('safe');
      const r = check(m.spec, m.set);
      expect(r.result.verdict).toBe('unsafe');
      expect(r.matches).toBe(false);
      const props = r.result.findings.map((f) => `${f.violation.property}/${f.violation.kind}`);
      expect(props.some((p) => p.startsWith(`${m.property}/`) && (!m.kind || p === `${m.property}/${m.kind}`)), props.join(', ')).toBe(true);
    });
  }
});

/** And each unsafe spec turns safe when the one cause its header names is taken away. */
const CURES: Array<{ spec: string; set: string[]; why: string }> = [
  { spec: 'a2-ra-entry-enable-stop-machine-preempt-full', set: ['kernel.preemption=none'], why: 'A2 without preemption is A1' },
  { spec: 'b4-t0-entry-enable-stop-machine-preempt-full', set: ['kernel.preemption=none'], why: 'the hole is the preemption point inside the entry' },
  { spec: 'elf-63-enable-modify-preempt-full', set: ['kernel.preemption=none'], why: 'the compiled caller, too, is only switched out at task boundaries without preemption' },
  { spec: 'v-b2-fence-i-coherence-no-flush', set: ['tasks.1.patch.0.stop_machine.flush=fence.i'], why: 'the stoppers fence.i hides the stale fetch' },
  { spec: 'v-d1-no-ziccif', set: ['fetch.atomic=4'], why: 'with Ziccif the aligned word is one fetch' },
  { spec: 'g3-fetched-new-fence-i-fetches-old', set: ['fetch.model=ir3-fetch'], why: 'ir3-fetch: fence.i orders the earlier fetch before the later one' },
  { spec: 'g3-fetched-new-fence-i-fetches-old', set: ['fetch.model=ziccid'], why: 'ziccid: fetches of one location are in order' },
  { spec: 'g4-fence-i-without-observing-the-write', set: ['fetch.model=ir3-fetch'], why: 'ir3-fetch: the fetch of the new B, and A before it, are ordered before the fetch of A' },
];

describe('unsafe specs are unsafe for the reason they give', () => {
  for (const c of CURES) {
    it(`${c.spec} --set ${c.set.join(' ')}: safe (${c.why})`, () => {
      expect(LIBRARY[c.spec].verdict).toBe('unsafe');
      const r = check(c.spec, c.set);
      expect(r.result.complete).toBe(true);
      expect(r.result.findings.map((f) => f.violation.message)).toEqual([]);
      expect(r.result.verdict).toBe('safe');
    });
  }
});

/** The kernel specs, one knob turned: the reason each header gives is the reason (as above). */
const KERNEL_KNOBS: Array<{ spec: string; set: string[]; why: string; verdict: 'safe' | 'unsafe'; property?: string; kind?: string }> = [
  { spec: 'k612-make-call-stop-machine-preempt-none', set: ['kernel.preemption=full'], why: 'stop_machine is enough only without preemption', verdict: 'unsafe', property: 'mixed-target', kind: 'nop-jalr' },
  { spec: 'k612-update-ftrace-func-preempt-full', set: ['kernel.preemption=none'], why: 'the mix needs the preemption between auipc ra and jalr ra', verdict: 'safe' },
  { spec: 'k612-caller-declarative-stop-machine-preempt-full', set: ['kernel.preemption=none'], why: 'the hole is the preemption point inside the entry', verdict: 'safe' },
  { spec: 'k61-make-call-stop-machine-sbi', set: ['objects.roles={flush_icache_all: {service: flush_icache_all}}'], why: 'the SBI remote fence.i is what reaches a stopper with IRQs off', verdict: 'unsafe', property: 'deadlock', kind: 'ipi' },
];

describe('specs/kernel/: one knob turned', () => {
  for (const m of KERNEL_KNOBS) {
    const ver = /^k612-/.test(m.spec) ? '6.12' : '6.1';
    const missing = existsSync(join(SPECS, '../fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built; skipping`;
    it.skipIf(missing)(`${m.spec} --set ${m.set.join(' ')}: ${m.verdict} (${m.why})`, () => {
      expect(KERNEL[m.spec].verdict).not.toBe(m.verdict);
      const r = check(m.spec, m.set, join(SPECS, 'kernel'));
      expect(r.result.complete).toBe(true);
      expect(r.result.verdict).toBe(m.verdict);
      const props = r.result.findings.map((f) => `${f.violation.property}/${f.violation.kind}`);
      if (m.property) expect(props.some((p) => p === `${m.property}/${m.kind}`), props.join(', ')).toBe(true);
      else expect(props).toEqual([]);
    });
  }
});
