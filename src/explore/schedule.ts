/**
 * Schedules as values with a compact text form. A schedule is the list of transitions taken
 * from the initial state; each transition is a token:
 *   h0      hart 0 runs one visible action of its task (and the invisible run after it)
 *   h0/2    the same, taking fetch view 2 (a stale value under fetch.coherence: fence.i)
 *   h0>t3   hart 0 switches to task 3 (preemption, a task boundary, or a stopper taking it),
 *           which then runs one visible action (h0>t3/1: with fetch view 1)
 *   i0      an interrupt arrives on hart 0
 *   p1      hart 1 takes a pending remote fence.i IPI
 * Tokens are joined by '.', and a run of one token is written `h0*3`.
 */

const TOKEN = /^(?:h\d+(?:>t\d+)?(?:\/\d+)?|i\d+|p\d+)$/;

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
