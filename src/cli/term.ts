/**
 * What the report path wants of the terminal beyond `Io` (src/cli/io.ts): the width of stdout,
 * whether stderr is a terminal, and standard input for `-`. Optional, so an in-memory Io
 * without them is a pipe of width COLUMNS (or 80) with no standard input.
 */
import type { Io } from './io.js';
import { UserError } from './io.js';
import { DEFAULT_WIDTH } from '../report/text.js';

export interface TermIo {
  /** Columns of stdout when it is a terminal. */
  columns?: number;
  stderrIsTTY?: boolean;
  readStdin?(): string;
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

export function readStdin(io: CliIo): string {
  if (!io.readStdin) throw new UserError('-: standard input is not available');
  return io.readStdin();
}
