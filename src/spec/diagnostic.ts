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
