import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Findings } from '../../src/explore/findings.js';
import type { Violation } from '../../src/check/violation.js';

/**
 * Findings.recordLazy makes a schedule's text only when it can be the witness kept. Over
 * random sequences of findings (few signatures, close preemption and step counts, so ties are
 * common), it must keep the same witnesses and counts as record(), which takes every text.
 */
const violation = (task: number): Violation => ({ property: 'mixed-target', kind: 'auipc-jalr', hart: 0, task: `t${task}`, pc: 0, message: '' }) as Violation;

describe('Findings.recordLazy against record', () => {
  it('keeps the same witness and count for every signature (random sequences)', () => {
    let skipped = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ task: fc.integer({ min: 0, max: 2 }), p: fc.integer({ min: 0, max: 2 }), steps: fc.integer({ min: 1, max: 4 }), text: fc.constantFrom('h0', 'h1', 'h0.h1', 'h1.h0', 'h2') }), { maxLength: 40 }), (xs) => {
        const eager = new Findings(), lazy = new Findings();
        for (const x of xs) {
          eager.record({ violation: violation(x.task), schedule: x.text, preemptions: x.p, steps: x.steps });
          let made = false;
          lazy.recordLazy(violation(x.task), x.p, x.steps, () => {
            made = true;
            return x.text;
          });
          if (!made) skipped++;
        }
        expect(lazy.list()).toEqual(eager.list());
      }),
      { seed: 0xf1d, numRuns: 300 },
    );
    expect(skipped).toBeGreaterThan(100);
  });
});
