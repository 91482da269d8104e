/**
 * What each property means, for people reading a CI report: SARIF rules (short and full
 * description, help), JUnit failure types and GitHub annotation titles take their text here.
 */
import type { PropertyName } from '../spec/types.js';

export interface RuleText {
  short: string;
  full: string;
  help: string;
}

const READ_WITNESS = 'How to read the witness: the code flow has one thread per hart; each step is one transition of the schedule (`h0` = hart 0 runs one visible step, `h0>t2` = hart 0 switches to task t2, `i0` = an interrupt on hart 0, `p1` = a pending IPI delivered on hart 1); steps at a site show the site version each fetched byte came from (v0 = the original, v1 = after the first patch write). Replay it locally with `ftrace-race replay SPEC --schedule S`, or open the `--html` report for a swimlane picture.';

export const PROPERTY_TEXT: Record<PropertyName | 'verdict' | 'spec' | 'inconclusive', RuleText> = {
  'mixed-target': {
    short: 'a jump combined instructions of two versions of a patch site',
    full: 'One pass of a task through a patch site executed instructions from different site versions (for example the auipc of the old call and the jalr of the new one), so the computed target is neither the old nor the new destination. This is the auipc+jalr race of live patching on RISC-V: the two halves of a call are written separately and a hart can run between the writes.',
    help: `A mixed target means the patch protocol lets a hart execute a site while it is half rewritten. Fixes: patch under stop_machine with preemption disabled around the site, make the update a single aligned atomic store of the part that changes (the ftrace call-ops design changes only the jalr's base load), or route through a trampoline whose pointer is updated atomically. ${READ_WITNESS}`,
  },
  'torn-instruction': {
    short: 'a hart fetched an instruction whose bytes come from two writes',
    full: 'An instruction was fetched while it was being rewritten, so its bytes come from different writes and form an instruction that no version of the site has. On RISC-V a 4-byte instruction at 2 mod 4 (with RVC) is fetched in two parts, and a patch that stores it as two halfwords can be seen half-done.',
    help: `Align patchable instructions to their size and write each with one naturally aligned store, or patch under stop_machine. ${READ_WITNESS}`,
  },
  'wild-jump': {
    short: 'control left a site to an address that is not a legitimate target',
    full: 'A task transferred control out of a patch site to an address outside the declared targets of the site, or to memory that is not code.',
    help: `Check the targets declared for the site and the arithmetic of the jump (the witness shows auipc hi and jalr lo with the version each came from). ${READ_WITNESS}`,
  },
  'illegal-instruction': {
    short: 'a hart executed bytes that are not a valid instruction',
    full: 'A hart fetched and tried to execute an encoding that is not a valid RV64 instruction, typically bytes of a half-written patch.',
    help: `Make every intermediate state of the patched bytes a valid instruction sequence, or keep harts out of the site while writing. ${READ_WITNESS}`,
  },
  deadlock: {
    short: 'the kernel protocol can block forever',
    full: 'Every remaining task waits for another (stop_machine waiting for a hart that spins with interrupts off, an IPI that is never delivered, a livelock that makes no progress).',
    help: `The witness ends in the blocked state; the last steps of each hart show what it waits for. ${READ_WITNESS}`,
  },
  fault: {
    short: 'a task faulted (unknown service, unmapped memory)',
    full: 'A task did something the model cannot continue from: an unknown kernel service, a fetch or access of unmapped memory.',
    help: `Read the last step of the faulting hart. ${READ_WITNESS}`,
  },
  assertion: {
    short: 'a final-state assertion of the spec does not hold',
    full: 'An execution completed and a memory, register or site-version assertion of the spec is false in its final state.',
    help: `The witness is a complete execution; compare its final state with the assertion. ${READ_WITNESS}`,
  },
  verdict: {
    short: 'the verdict differs from the spec\'s expect:',
    full: 'The search finished with a verdict other than the one the spec expects: a spec expected unsafe is safe (the race is gone, or the model no longer reaches it), or the expected property or kind was not found.',
    help: 'If the design changed on purpose, update expect: in the spec. A spec that is now safe but expected unsafe can also mean the spec no longer reaches the site: `ftrace-race explain SPEC` shows which sites and versions the search executed.',
  },
  inconclusive: {
    short: 'a limit stopped the search before it finished',
    full: 'The search hit --max-states, --max-time or --max-memory before it explored every schedule (up to the preemption bound), so no verdict was reached. The gate fails: nothing was proved.',
    help: 'Raise the limit, lower explore.bound, or split the spec. The partial statistics say how far the search got.',
  },
  spec: {
    short: 'the spec could not be read or loaded',
    full: 'The spec file is missing, unreadable, not valid YAML, fails the schema, or its assembly, symbols, sites, writes or tasks are wrong.',
    help: 'The message names the line and column of the problem. docs/spec-format.md documents every field.',
  },
};
