/**
 * Spec assertions on the final state of a complete execution (every task done), over a
 * FinalView: what the model exposes of a final state (check/ never sees the model).
 */
import type { Spec } from '../spec/types.js';
import { hexAddr } from '../isa/symbols.js';
import type { Violation } from './violation.js';

export interface FinalView {
  readonly spec: Spec;
  readonly taskNames: readonly string[];
  peek(addr: number, size: number): Uint8Array;
  /** Final-state value of a register of a task. */
  reg(task: number, reg: number): bigint;
  /** Contents of every version of a site so far. */
  versionsOf(site: number): readonly number[][];
}

export function checkAssertions(m: FinalView): Violation[] {
  const out: Violation[] = [];
  for (const a of m.spec.assertions) {
    let actual: bigint | string;
    let expected: bigint | string;
    switch (a.kind) {
      case 'memory': {
        const b = m.peek(a.at, a.size);
        let v = 0n;
        for (let i = a.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        actual = v;
        expected = BigInt.asUintN(a.size * 8, a.equals);
        break;
      }
      case 'register':
        actual = m.reg(a.task, a.reg);
        expected = a.equals;
        break;
      case 'site': {
        const site = m.spec.sites[a.site];
        const content = Array.from(m.peek(site.base, site.size)).join(',');
        const versions = m.versionsOf(a.site);
        const idx = versions.findIndex((v) => v.join(',') === content);
        actual = idx < 0 ? 'no version' : `version ${idx}`;
        expected = `version ${a.version}`;
        break;
      }
    }
    if (actual !== expected) {
      const fmt = (x: bigint | string) => (typeof x === 'bigint' ? `0x${BigInt.asUintN(64, x).toString(16)}` : x);
      out.push({
        property: 'assertion',
        kind: 'assertion',
        hart: 0,
        task: a.kind === 'register' ? m.taskNames[a.task] : '-',
        pc: 0,
        target: a.kind === 'memory' ? a.at : undefined,
        message: `assertion '${a.name}' failed: ${fmt(actual)} instead of ${fmt(expected)}${a.kind === 'memory' ? ` at ${hexAddr(a.at)}` : ''}`,
      });
    }
  }
  return out;
}
