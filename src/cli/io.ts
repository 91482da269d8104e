/**
 * The CLI's only window on the outside world. Nothing below src/cli touches `process`;
 * tests drive `main(argv, io)` with an in-memory Io.
 */
import { getHeapStatistics } from 'node:v8';
export interface Io {
  /** Text, or raw bytes passed through unchanged (a guest's output under `run`). */
  stdout(text: string | Uint8Array): void;
  stderr(text: string | Uint8Array): void;
  /** Whether stdout is a terminal (spinners and colour only then, unless FORCE_COLOR). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Exit codes of `check`, `replay`, `disasm` (documented in README.md). */
export const EXIT = {
  ok: 0,
  violation: 1,
  badInput: 2,
  inconclusive: 3,
  internal: 70,
} as const;

/**
 * Exit codes of `run`, which must leave 0..123 to the guest's own exit status. They follow
 * the coreutils convention of timeout(1) and env(1): 124 the step budget ran out, 125 the
 * input could not be loaded (bad ELF, usage), 126 the guest faulted (illegal instruction,
 * unmapped memory, unknown syscall).
 */
export const RUN_EXIT = {
  maxSteps: 124,
  badInput: 125,
  guestFault: 126,
} as const;

/** A user-facing failure: rendered as one line, never with a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
  }
}

export function bufferIo(env: Record<string, string | undefined> = {}): Io & { out: string; err: string } {
  const text = (t: string | Uint8Array) => (typeof t === 'string' ? t : new TextDecoder().decode(t));
  const io = {
    out: '',
    err: '',
    isTTY: false,
    env: { NO_COLOR: '1', ...env },
    cwd: process.cwd(),
    stdout(t: string | Uint8Array) { io.out += text(t); },
    stderr(t: string | Uint8Array) { io.err += text(t); },
  };
  return io;
}

/**
 * The JS heap in use, for --max-memory. V8's heap statistics, not process.memoryUsage(): that
 * also reads the resident set from the OS, several times the cost (the budget asks every 256
 * states).
 */
export function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}
