/**
 * User-mode Linux for static RV64 ELFs: loads the segments, builds the initial stack (argc,
 * argv, envp, auxv as the RISC-V psABI / Linux's create_elf_tables lay them out) and serves
 * the syscalls the fixtures use: write, exit, exit_group, brk. Any other syscall stops the
 * run, naming its number and pc (it is never silently ignored).
 */
import { ElfError, ElfFile, parseElf } from '../isa/elf.js';
import { Hart, StopReason } from './hart.js';
import { ReferenceHart } from './reference.js';
import { Memory, PAGE_SIZE, PERM_R, PERM_W, PERM_X } from './memory.js';

export const SYS = { write: 64, exit: 93, exit_group: 94, brk: 214 } as const;

/** Top of the initial stack and its size (8 MiB like Linux's default rlimit; mapped lazily). */
export const STACK_TOP = 0x3fffff000;
export const STACK_SIZE = 8 << 20;
const EBADF = 9, EFAULT = 14;

export interface LinuxOptions {
  args: string[];
  env?: string[];
  /** Guest output per file descriptor (1 stdout, 2 stderr). */
  write(fd: 1 | 2, bytes: Uint8Array): void;
  maxSteps?: number;
  /** Use translated blocks (default) or only per-instruction compiled closures. */
  blocks?: boolean;
  /** Run on the reference interpreter instead of the compiled hart (tests). */
  reference?: boolean;
}

/** What the Linux layer needs of a hart: the compiled Hart and the ReferenceHart both fit. */
export interface HartLike {
  pc: number;
  retired: number;
  getReg(i: number): bigint;
  setReg(i: number, v: bigint): void;
  run(budget: number): StopReason;
}

/** How a guest run ended. */
export type RunOutcome =
  | { kind: 'exit'; code: number; retired: number }
  | { kind: 'fault'; stop: StopReason; message: string; retired: number }
  | { kind: 'max-steps'; pc: number; retired: number };

export interface Process {
  mem: Memory;
  hart: HartLike;
  elf: ElfFile;
  brkStart: number;
  brk: number;
}

const pageUp = (a: number) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

/** Parses and loads an ELF image; throws ElfError (one-line cause) for bad input. */
export function loadProcess(bytes: Uint8Array, opts: Pick<LinuxOptions, 'args' | 'env' | 'blocks' | 'reference'>): Process {
  const elf = parseElf(bytes);
  if (elf.type !== 2) throw new ElfError(`not an executable (e_type ${elf.type}; only static ET_EXEC is supported)`);
  if (elf.segments.length === 0) throw new ElfError('no loadable segments');
  const mem = new Memory();
  let end = 0;
  for (const s of elf.segments) {
    const perm = (s.flags.r ? PERM_R : 0) | (s.flags.w ? PERM_W : 0) | (s.flags.x ? PERM_X : 0);
    // A segment without permissions is PROT_NONE for Linux: every access faults, as it does
    // to an unmapped page, so its bytes are not loaded (Memory maps nothing with perm 0).
    if (perm !== 0) mem.load(s.vaddr, s.data, s.memsz, perm);
    end = Math.max(end, s.vaddr + s.memsz);
  }
  const hart: HartLike = opts.reference ? new ReferenceHart(mem) : new Hart(mem, 0, { blocks: opts.blocks });
  hart.pc = elf.entry;
  const brkStart = pageUp(end);
  setupStack(mem, hart, elf, opts.args, opts.env ?? []);
  return { mem, hart, elf, brkStart, brk: brkStart };
}

function setupStack(mem: Memory, hart: HartLike, elf: ElfFile, args: string[], env: string[]): void {
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PERM_R | PERM_W);
  const enc = new TextEncoder();
  let sp = STACK_TOP - 16;
  const putString = (s: string): number => {
    const b = enc.encode(s + '\0');
    sp -= b.length;
    mem.poke(sp, b);
    return sp;
  };
  const argPtrs = args.map(putString);
  const envPtrs = env.map(putString);
  sp -= 16;
  const random = sp;
  mem.poke(random, new Uint8Array(16).map((_, i) => (i * 37 + 11) & 0xff)); // AT_RANDOM bytes: fixed, for determinism
  const auxv: [number, number][] = [[6, PAGE_SIZE], [9, elf.entry], [25, random], [0, 0]]; // AT_PAGESZ, AT_ENTRY, AT_RANDOM, AT_NULL
  const words = [args.length, ...argPtrs, 0, ...envPtrs, 0, ...auxv.flat()];
  sp = Math.floor((sp - words.length * 8) / 16) * 16;
  const buf = new Uint8Array(words.length * 8);
  const view = new DataView(buf.buffer);
  words.forEach((w, i) => view.setBigInt64(i * 8, BigInt(w), true));
  mem.poke(sp, buf);
  hart.setReg(2, BigInt(sp));
}

function describe(stop: StopReason): string {
  switch (stop.kind) {
    case 'illegal':
      return `illegal instruction${stop.bits !== undefined ? ` 0x${(stop.bits >>> 0).toString(16).padStart((stop.bits & 3) === 3 ? 8 : 4, '0')}` : ''}${stop.detail ? ` (${stop.detail})` : ''}`;
    case 'fetch-fault':
      return `instruction fetch from ${stop.detail === 'permission' ? 'non-executable' : 'unmapped'} address ${hex(stop.addr ?? stop.pc)}`;
    case 'load-fault':
      return `load from ${stop.detail === 'permission' ? 'unreadable' : 'unmapped'} address ${hex(stop.addr ?? 0)}`;
    case 'store-fault':
      return `store to ${stop.detail === 'permission' ? 'read-only' : 'unmapped'} address ${hex(stop.addr ?? 0)}`;
    case 'misaligned':
      return `misaligned atomic access at ${hex(stop.addr ?? 0)}`;
    case 'ebreak':
      return 'breakpoint (ebreak)';
    default:
      return stop.kind;
  }
}

/** Unsigned 64-bit hex of a signed-64 number. */
export function hex(a: number): string {
  return '0x' + (a >= 0 ? a.toString(16) : BigInt.asUintN(64, BigInt(a)).toString(16));
}

/** Runs a loaded process to its end (exit, a fault, or the step limit). */
export function runProcess(p: Process, opts: LinuxOptions): RunOutcome {
  const { hart, mem } = p;
  const max = opts.maxSteps ?? Infinity;
  const CHUNK = 1 << 24;
  for (;;) {
    const left = max - hart.retired;
    if (left <= 0) return { kind: 'max-steps', pc: hart.pc, retired: hart.retired };
    const stop = hart.run(Math.min(left, CHUNK));
    if (stop.kind === 'budget') continue;
    if (stop.kind !== 'ecall') return { kind: 'fault', stop, message: describe(stop), retired: hart.retired };
    const nr = Number(hart.getReg(17));
    const a0 = hart.getReg(10), a1 = hart.getReg(11), a2 = hart.getReg(12);
    switch (nr) {
      case SYS.exit:
      case SYS.exit_group:
        return { kind: 'exit', code: Number(a0 & 0xffn), retired: hart.retired };
      case SYS.write: {
        const fd = Number(a0);
        const len = Number(BigInt.asUintN(64, a2));
        if (fd !== 1 && fd !== 2) { hart.setReg(10, BigInt(-EBADF)); break; }
        const start = Number(BigInt.asIntN(64, a1));
        let ok = len <= 1 << 26;
        for (let a = start; ok && a < start + len; a = (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE) ok = (mem.permAt(a) & PERM_R) !== 0;
        if (!ok) { hart.setReg(10, BigInt(-EFAULT)); break; }
        opts.write(fd, mem.peek(start, len));
        hart.setReg(10, BigInt(len));
        break;
      }
      case SYS.brk: {
        const want = Number(BigInt.asIntN(64, a0));
        if (want >= p.brkStart && want < p.brkStart + (1 << 30)) {
          const from = pageUp(p.brk), to = pageUp(want);
          if (to > from) mem.map(from, to - from, PERM_R | PERM_W);
          p.brk = want;
        }
        hart.setReg(10, BigInt(p.brk));
        break;
      }
      default: {
        const stopAt: StopReason = { kind: 'ecall', pc: stop.pc };
        return { kind: 'fault', stop: stopAt, message: `unknown syscall ${nr}`, retired: hart.retired };
      }
    }
  }
}
