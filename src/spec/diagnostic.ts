import type { SourceLoc } from './types.js';

/**
 * A problem with a spec, as data: a stable code, the place in the spec file, a message.
 * Rendered at the edge (`file:line:col: message` in text, an object in JSON).
 */
export interface SpecDiagnostic extends SourceLoc {
  code:
    | 'yaml'
    | 'schema'
    | 'asm'
    | 'symbol'
    | 'overlap'
    | 'site'
    | 'write'
    | 'task'
    | 'elf'
    | 'io'
    | 'override'
    | 'limit';
  message: string;
}

/**
 * A diagnostic as the CLI prints it: a file that could not be read at all (code io) as
 * `ftrace-race: FILE: message` (the one error prefix of the tool), anything located in a file
 * as `file:line:col: message`.
 */
export function diagnosticLine(d: SpecDiagnostic): string {
  return d.code === 'io' ? `ftrace-race: ${d.file}: ${d.message}` : formatDiagnostic(d);
}

export function formatDiagnostic(d: SpecDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/** Diagnostics a command prints for one file; the rest are counted (clang's -ferror-limit). */
export const MAX_PRINTED_DIAGNOSTICS = 20;

/**
 * The lines printed for one file's diagnostics: the first MAX_PRINTED_DIAGNOSTICS, then one
 * line counting the rest (a block of 10,000 bad statements printed 10,000 lines). The
 * machine-readable reports keep every diagnostic.
 */
export function diagnosticText(ds: readonly SpecDiagnostic[]): string {
  const shown = ds.slice(0, MAX_PRINTED_DIAGNOSTICS).map((d) => diagnosticLine(d) + '\n');
  const more = ds.length - shown.length;
  if (more > 0) shown.push(`ftrace-race: ${ds[0].file}: ${more} more error${more === 1 ? '' : 's'} not shown (the first ${MAX_PRINTED_DIAGNOSTICS} are above)\n`);
  return shown.join('');
}
