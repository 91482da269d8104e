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

export function formatDiagnostic(d: SpecDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}
