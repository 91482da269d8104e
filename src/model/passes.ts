/**
 * Site passes on the model side: a pass ends when control leaves the site and is judged by
 * check/mixed-target.ts; a pass that read bytes of an RV64 patch operation still open waits in
 * the deferred list and is judged when that operation closes (patch_done, or its task's end).
 */
import { judgePass } from '../check/mixed-target.js';
import type { PassInsn } from '../check/passes.js';
import type { Violation } from '../check/violation.js';
import type { Core } from './core.js';
import type { Outcome } from './model.js';
import type { Deferred } from './state.js';
import { readsOpenOp, versionMask } from './sites/ledger.js';

export function violation(k: Core, v: Omit<Violation, 'task' | 'hart'>, ti: number, h: number): Outcome {
  // Every caller hands over a fresh object: completed in place (a spread of these
  // many-shaped objects showed in profiles), its keys in the same order as the spread's.
  const out = v as Violation;
  out.task = k.layout.taskNames[ti];
  out.hart = h;
  return { kind: 'violation', violation: out };
}

/**
 * A pass that read bytes of an RV64 patch operation still open is judged against the pending
 * version as it stands (the operation's start content with its stores so far). A mix now stays
 * a mix (later stores only move that version further from what the pass read), but consistency
 * with it may not survive the operation's later stores: such a pass is judged again when the
 * operation closes (a suspended pass waits for its end).
 */
export function judge(k: Core, ti: number, h: number, siteIdx: number, insns: PassInsn[], jump: boolean, pc: number, next: number, suspend: boolean, open: boolean): Outcome | null {
  const masks = insns.map((r) => versionMask(k, siteIdx, r.pc, r.bytes));
  const verdict = judgePass(k.spec, k.spec.sites[siteIdx], { insns, masks, jump, pc, next, suspend, open }, (a) => k.names.name(a));
  if (!verdict) return null;
  if (verdict.defer) {
    k.st.deferred = [...k.st.deferred, { task: ti, hart: h, site: siteIdx, insns: insns.slice(), jump, pc, next }]; // shared with snapshots: replaced, never changed
    return null;
  }
  if (verdict.violation.benign) {
    k.benign.push({ ...verdict.violation, task: k.layout.taskNames[ti], hart: h });
    return null;
  }
  return violation(k, verdict.violation, ti, h);
}

/**
 * Closes task ti's RV64 patch operation (patch_done, or the task's end): its pending
 * versions are final, and the passes that read its bytes are judged now.
 */
export function closeOp(k: Core, ti: number): Outcome | null {
  const st = k.st;
  const t = st.tasks[ti];
  if (!t.opSites.length) return null;
  const closed = t.opSites;
  k.ownTask(ti).opSites = [];
  if (!st.deferred.length) return null;
  const keep: Deferred[] = [];
  let out: Outcome | null = null;
  for (const d of st.deferred) {
    if (out || !closed.some((x) => x[0] === d.site) || readsOpenOp(k, d.site, d.insns)) { keep.push(d); continue; }
    out = judge(k, d.task, d.hart, d.site, d.insns, d.jump, d.pc, d.next, false, false);
  }
  st.deferred = keep;
  return out;
}
