/**
 * The resolved spec: what the model is built from. Every address is a signed 64-bit value in
 * a JS number (see src/isa/types.ts); every name has been resolved, every asm block assembled.
 * Produced by loadSpec (src/spec/load.ts) from YAML; the raw YAML shape is schema/spec.schema.json.
 */

import type { StubRole } from './kernel-stubs.js';

export type Preemption = 'none' | 'voluntary' | 'full';
export type RegionKind = 'code' | 'patchable' | 'data';
export type PropertyName =
  | 'mixed-target'
  | 'torn-instruction'
  | 'wild-jump'
  | 'illegal-instruction'
  | 'deadlock'
  | 'fault'
  | 'assertion';

export const CHECKED_PROPERTIES: readonly Exclude<PropertyName, 'assertion' | 'fault'>[] = [
  'mixed-target',
  'torn-instruction',
  'wild-jump',
  'illegal-instruction',
  'deadlock',
];

/** Where something came from in the spec file, for diagnostics (1-based). */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

export interface Region {
  name: string;
  kind: RegionKind;
  base: number;
  bytes: Uint8Array;
  /** data: accesses are visible actions. */
  shared: boolean;
  /** Offsets (from base) of instruction starts, for code and patchable regions. */
  insnStarts: Set<number>;
  /** Source line of each instruction (by offset), for traces; may be empty. */
  lines: Map<number, number>;
  loc: SourceLoc;
}

export interface Site {
  name: string;
  base: number;
  size: number;
  /** Legitimate targets of a transfer out of the site; the fall-through base + size is added. */
  targets: number[];
  /** A kprobe's trap handler: ebreak in the site traps there (docs/semantics.md, kprobes). */
  trap?: number;
  loc: SourceLoc;
}

/** A kernel action a patcher performs; declarative steps and ecall services compile to these. */
export type Step =
  | { op: 'write'; at: number; bytes: Uint8Array; stores: number[]; loc: SourceLoc }
  | { op: 'fence.i' }
  | { op: 'fence' }
  | { op: 'flush_icache_all' }
  | { op: 'remote_fence_i'; harts: number[] | 'others' | 'all'; wait: boolean }
  | { op: 'stop_machine'; steps: Step[]; flush: 'fence.i' | 'none' }
  | { op: 'cond_resched' }
  | { op: 'preempt_disable' }
  | { op: 'preempt_enable' }
  | { op: 'local_irq_disable' }
  | { op: 'local_irq_enable' };

export type TaskSpec =
  | (TaskCommon & { kind: 'caller'; call: number; times: number })
  | (TaskCommon & { kind: 'patcher'; steps: Step[] })
  | (TaskCommon & { kind: 'code'; entry: number });

export interface TaskCommon {
  name: string;
  /** Harts the task may run on, ascending. */
  harts: number[];
  regs: Map<number, bigint>;
  stack: number;
  start: 'ready' | 'running';
}

export type Assertion =
  | { name: string; kind: 'memory'; at: number; size: 1 | 2 | 4 | 8; equals: bigint }
  | { name: string; kind: 'register'; task: number; reg: number; equals: bigint }
  | { name: string; kind: 'site'; site: number; version: number };

export interface Expectation {
  verdict: 'safe' | 'unsafe';
  property?: PropertyName;
  kind?: string;
  /** unsafe: the full set of violations (from `violations:`, or the one `property`/`kind`); empty: any. */
  violations: { property: PropertyName; kind?: string; site?: string }[];
}

export interface ExploreOptions {
  bound?: number;
  exhaustive: boolean;
  reduction: 'default' | 'naive';
  maxStates?: number;
  maxTime?: number;
  maxMemory?: number;
  maxSteps: number;
}

export interface Spec {
  name: string;
  file: string;
  description?: string;
  source?: string;
  harts: number;
  preemption: Preemption;
  interrupts: { enabled: boolean; handler?: number; harts: number[]; max: number };
  /** properties.mixed-target: strict — a mix of nops only fails too (otherwise it is reported as benign). */
  strictMixes?: boolean;
  /** kernel.trap-rewind: a task resumed after a trap inside a site restarts the site. */
  trapRewind?: boolean;
  /** kernel.stop-machine-entry: where a stopper may take a hart. */
  stopperEntry?: 'anywhere' | 'outside-sites';
  /**
   * model: the instruction-fetch model (src/model/fetch/fetch-model.ts). coherence: the first
   * format's key, kept as an alias (coherent = latest, fence.i = ziccid).
   */
  fetch: { atomic: 2 | 4 | 8; coherence: 'coherent' | 'fence.i'; model: 'base' | 'ziccid' | 'ir-decode-w' | 'ir-decode' | 'ir3-fetch' | 'latest' };
  /** Registers whose final values an outcome reads (litmus conditions): kept in the fingerprint after the task ends. */
  observe?: { task: number; reg: number }[];
  regions: Region[];
  symbols: Map<string, number>;
  sites: Site[];
  tasks: TaskSpec[];
  properties: Record<Exclude<PropertyName, 'assertion' | 'fault'>, boolean>;
  assertions: Assertion[];
  expect: Expectation;
  /** Whether the spec file itself had an `expect:` (reports say "expect: none" otherwise). */
  hasExpect: boolean;
  explore: ExploreOptions;
  /** `objects:` (docs/kernel.md): the kernel image's stubs and the layouts the model's kernel mechanisms use. */
  kernel?: KernelImage;
}

/** What the model needs of a kernel image loaded from kbuild objects (src/spec/kernel-objects.ts). */
export interface KernelImage {
  /** Every undefined symbol of the objects: its address (a 16-byte slot for code roles) and role. */
  stubs: { name: string; address: number; size: number; role: StubRole }[];
  /** kernel_map.va_kernel_pa_offset: virtual text address minus physical (__pa_symbol). */
  vaKernelPaOffset: number;
  /** FIXADDR_TOP: fix_to_virt(idx) = FIXADDR_TOP - (idx << PAGE_SHIFT). */
  fixaddrTop: number;
  /** The task area tp points at: task_struct with thread_info first (THREAD_INFO_IN_TASK). */
  thread: ThreadLayout;
}

export interface ThreadLayout {
  /** Bytes of the zeroed task area each task and stopper gets. */
  size: number;
  /** Offset of thread_info.preempt_count (an int). */
  preemptCount: number;
  /** Offset of task_struct.stack_canary (STACKPROTECTOR_PER_TASK): reads 0. */
  canary: number;
}
