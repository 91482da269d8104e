/**
 * Witnesses shared across a symmetry group. The search up to symmetry (model/symmetry.ts)
 * explores one state of each permutation of interchangeable tasks, so which member a violation
 * is charged to is the member the representative it reached happened to give it: with three
 * identical callers, the best witness it keeps for the second and third caller is the first
 * caller's made to wait for the others (14, 17 and 20 steps on `unsafe` N = 4, where the search
 * without symmetry finds 14 for each). A permutation of the group is an automorphism of the
 * machine, so the best witness of one member, with the members swapped (their harts, tasks and
 * stoppers in every token), is a schedule of the same cost in which the other member violates
 * the same way. So every other member's finding takes the group's best witness of its kind
 * (the first in the witness order, findings.ts), swapped — its own is never cheaper, and taking
 * the group's whatever the own one was makes the result a function of the group's best alone —
 * and a member the search never charged the violation to gets a finding of its own with it (no
 * schedule the search ran counted for it: `schedules` 0); each after replaying the schedule to
 * the violation its signature names, the check that keeps this sound whatever the search did.
 * The counts of schedules stay the search's own. So the findings up to symmetry are those
 * without it, each with a witness as cheap.
 *
 * Applied to the findings of a whole search (bounded.ts) or of a merge of parts
 * (partition.ts), so one search and shards give each member the same witness.
 */
import type { Spec } from '../spec/types.js';
import { Machine } from '../model/machine.js';
import type { SymmetryGroup } from '../model/symmetry.js';
import { signature, type Violation } from '../check/violation.js';
import { compareFindings } from './findings.js';
import { replay } from './replay.js';
import { formatSchedule, parseSchedule } from './schedule.js';
import type { Finding } from './strategy.js';

/** A member's task, as the group's role it plays: the caller itself, or its hart's stopper. */
interface Role {
  group: SymmetryGroup;
  member: number;
  stopper: boolean;
}

/** The schedule with members a and b of the group swapped: their harts and their tasks (stoppers too). */
export function swapMembers(schedule: string, g: SymmetryGroup, a: number, b: number): string {
  const hart = (h: number) => (h === g.harts[a] ? g.harts[b] : h === g.harts[b] ? g.harts[a] : h);
  const task = (t: number) =>
    t === g.tasks[a] ? g.tasks[b] : t === g.tasks[b] ? g.tasks[a] : t === g.stoppers[a] ? g.stoppers[b] : t === g.stoppers[b] ? g.stoppers[a] : t;
  const tokens = parseSchedule(schedule).map((tok) =>
    tok.replace(/^([hip])(\d+)(?:>t(\d+))?/, (_, k: string, h: string, t?: string) => `${k}${hart(Number(h))}${t === undefined ? '' : `>t${task(Number(t))}`}`),
  );
  return formatSchedule(tokens);
}

/**
 * A violation's kind up to the symmetry groups: its signature with a member's task as its
 * role in its group (the member itself or its stopper), so the violations of the members of
 * one group in one way have one kind; the signature itself for any other task. Up to symmetry
 * which member a violation is charged to depends on the representative reached, its kind does
 * not (explore/shared.ts logs kinds).
 */
export function kindOf(m: Machine): (v: Violation) => string {
  const roles = rolesOf(m);
  return (v) => {
    const role = roles.get(v.task);
    return role ? roleKind(m, v, role) : signature(v);
  };
}

function rolesOf(m: Machine): Map<string, Role> {
  const names = m.taskNames;
  const roles = new Map<string, Role>();
  for (const group of m.symmetry.groups) {
    group.tasks.forEach((t, member) => {
      roles.set(names[t], { group, member, stopper: false });
      roles.set(names[group.stoppers[member]], { group, member, stopper: true });
    });
  }
  return roles;
}

function roleKind(m: Machine, v: Violation, role: Role): string {
  return signature({ ...v, task: `~${role.stopper ? 'stopper' : 'task'}` }) + `~${m.symmetry.groups.indexOf(role.group)}`;
}

/**
 * Every member's finding with the best witness of the group's findings of the same kind
 * (`used`: the groups the search used, by name; none, nothing changes). Returns a new list in
 * the witness order.
 */
export function shareWitnesses(spec: Spec, used: readonly (readonly string[])[], list: readonly Finding[]): Finding[] {
  if (used.length === 0 || list.length === 0) return [...list];
  const m = new Machine(spec);
  const names = m.taskNames;
  const roles = rolesOf(m);
  const nameOf = (r: Role, member: number) => names[r.stopper ? r.group.stoppers[member] : r.group.tasks[member]];
  const out = list.map((f) => ({ ...f }));
  const bySig = new Map(out.map((f) => [signature(f.violation), f]));
  // Best first: the first finding of a kind (its signature with the group for the member) is
  // the group's best, and every other member's witness becomes it, swapped — whatever the
  // member's own was, so the result depends on the group's best alone (explore/shared.ts).
  const done = new Set<string>();
  for (const f of [...out]) {
    const role = roles.get(f.violation.task);
    if (!role) continue;
    const kind = roleKind(m, f.violation, role);
    if (done.has(kind)) continue;
    done.add(kind);
    for (let b = 0; b < role.group.tasks.length; b++) {
      if (b === role.member) continue;
      const sig = signature({ ...f.violation, task: nameOf(role, b) });
      const schedule = swapMembers(f.schedule, role.group, role.member, b);
      let r: ReturnType<typeof replay>;
      try {
        r = replay(spec, schedule);
      } catch {
        continue;
      }
      if (!r.violation || signature(r.violation) !== sig || r.preemptions !== f.preemptions) continue;
      const target = bySig.get(sig);
      if (target) Object.assign(target, { violation: r.violation, schedule, preemptions: f.preemptions, steps: f.steps });
      else {
        // A member the search never charged this violation to: its group's witness stands for it.
        const added = { violation: r.violation, schedule, preemptions: f.preemptions, steps: f.steps, schedules: 0 };
        out.push(added);
        bySig.set(sig, added);
      }
    }
  }
  return out.sort(compareFindings);
}
