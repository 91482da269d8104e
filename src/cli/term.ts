/**
 * What the report path wants of the terminal beyond `Io` (src/cli/io.ts): the width of stdout,
 * whether stderr is a terminal, and standard input for `-`. Optional, so an in-memory Io
 * without them is a pipe of width COLUMNS (or 80) with no standard input.
 */
import type { Io } from './io.js';
import { UserError } from './io.js';
import { DEFAULT_WIDTH } from '../report/text.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';

export interface TermIo {
  /** Columns of stdout when it is a terminal. */
  columns?: number;
  stderrIsTTY?: boolean;
  /** Whether standard input is a terminal (a hint is printed before reading a spec from it). */
  stdinIsTTY?: boolean;
  /**
   * Standard input up to end of file, but never more than `maxBytes + 1` bytes (more than
   * `maxBytes` means it is over the cap; the rest is left unread).
   */
  readStdin?(maxBytes: number): string | Uint8Array;
}

export type CliIo = Io & TermIo;

/**
 * Width of text output: `--width N` (0: no limit), else the terminal's columns when stdout is
 * one, else $COLUMNS, else 80 (a CI log or a pipe; docs/witness.md).
 */
export function textWidth(io: CliIo, flag: number | undefined): number {
  if (flag !== undefined) return flag;
  if (io.isTTY && io.columns && io.columns > 0) return io.columns;
  const env = Number(io.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return DEFAULT_WIDTH;
}

/**
 * A spec given as `-`: standard input, read with the spec size cap (specBytes). Like cat, it
 * reads until end of file, so from a terminal it waits for the spec to be typed or pasted;
 * a line on stderr says so (end it with Ctrl-D).
 */
export function readStdin(io: CliIo, maxBytes: number = DEFAULT_LIMITS.specBytes): string {
  if (!io.readStdin) throw new UserError('-: standard input is not available');
  if (io.stdinIsTTY) io.stderr('ftrace-race: reading a spec from the terminal (standard input); end it with Ctrl-D, or name a spec file instead of -\n');
  let got: string | Uint8Array;
  try {
    got = io.readStdin(maxBytes);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`-: cannot read standard input (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const bytes = typeof got === 'string' ? Buffer.byteLength(got) : got.length;
  if (bytes > maxBytes) throw new UserError(`-: standard input has more than ${maxBytes} bytes (limit specBytes)`);
  return typeof got === 'string' ? got : new TextDecoder().decode(got);
}
