/**
 * Schedules as values with a compact text form: the list of transition tokens taken from the
 * initial state (token grammar: src/model/token.ts), joined by '.', a run of one token
 * written `h0*3`.
 */
import { TOKEN } from '../model/token.js';

export function formatSchedule(tokens: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let j = i + 1;
    while (j < tokens.length && tokens[j] === tokens[i]) j++;
    out.push(j - i > 1 ? `${tokens[i]}*${j - i}` : tokens[i]);
    i = j;
  }
  return out.join('.');
}

/** Parses a schedule string; throws an Error with a one-line message on bad syntax. */
export function parseSchedule(text: string): string[] {
  const tokens: string[] = [];
  const s = text.trim();
  if (s === '') return tokens;
  for (const part of s.split('.')) {
    const m = /^(.*?)(?:\*(\d+))?$/.exec(part.trim())!;
    const tok = m[1];
    const n = m[2] ? Number(m[2]) : 1;
    if (!TOKEN.test(tok) || n < 1 || n > 1_000_000) throw new Error(`bad schedule step '${part}' (expected h0, h0/1, h0>t2, i0, p0, optionally *N)`);
    for (let k = 0; k < n; k++) tokens.push(tok);
  }
  return tokens;
}
