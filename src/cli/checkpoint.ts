/**
 * `check --checkpoint FILE [--checkpoint-every S]` and `--resume FILE` (issue 9): a long
 * search writes its state every S seconds (default 300), atomically (a new file renamed over
 * the old, so an eviction mid-write leaves the previous checkpoint whole), and a later run
 * goes on from it to the report an uninterrupted run gives (explore/checkpoint.ts). The file
 * is bound to the spec file's bytes and the options that shape the search; a checkpoint of
 * anything else is refused with one line (exit 2).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from './io.js';
import { VERSION } from '../version.js';
import { FINGERPRINT_FORMAT } from '../model/fingerprint.js';
import { SEARCH_FORMAT } from '../explore/strategy.js';
import type { CheckOptions } from '../api/check.js';
import { decodeCheckpoint, encodeCheckpoint, type SearchCheckpoint } from '../explore/checkpoint.js';

export interface CheckpointFlags {
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
}

/** The search options a checkpoint is bound to (beside the spec's bytes). */
function keyOf(specBytes: Uint8Array, o: CheckOptions, set: readonly string[]): string {
  // The version too: fingerprints are the model's own hash, and another version may hash differently.
  const shape = { version: VERSION, fingerprints: FINGERPRINT_FORMAT, search: SEARCH_FORMAT, exhaustive: o.exhaustive ?? null, bound: o.bound ?? null, naive: o.naive ?? null, symmetry: o.symmetry ?? null, maxMemory: o.maxMemory ?? null, set, ...(o.por ? { por: true } : {}) };
  return createHash('sha256').update(specBytes).update(JSON.stringify(shape)).digest('hex');
}

/** What a checkpointed search needs, checked before it starts (plain data: it may go to a worker). */
export interface CheckpointPlan {
  key: string;
  resume?: SearchCheckpoint;
  /** Where checkpoints are written, and the name the user gave it. */
  out: string;
  label: string;
  everyMs: number;
}

/** The plan for one spec, or null without --checkpoint/--resume. Bad files and mismatches are UserErrors (exit 2). */
export function planCheckpoint(flags: CheckpointFlags, cwd: string, specPath: string | undefined, o: CheckOptions, set: readonly string[]): CheckpointPlan | null {
  if (!flags.checkpoint && !flags.resume) return null;
  if (!specPath) throw new UserError('--checkpoint and --resume need a spec file, not standard input');
  const key = keyOf(readFileSync(specPath), o, set);
  let resume: SearchCheckpoint | undefined;
  const resumePath = flags.resume && resolve(cwd, flags.resume);
  if (resumePath) {
    if (!existsSync(resumePath)) throw new UserError(`${flags.resume}: no such checkpoint (a first run takes --checkpoint alone)`);
    if (!statSync(resumePath).isFile()) throw new UserError(`${flags.resume}: not a regular file`);
    try {
      resume = decodeCheckpoint(new Uint8Array(readFileSync(resumePath)));
    } catch (e) {
      throw new UserError(`${flags.resume}: ${(e as Error).message}`);
    }
    if (resume.key !== key) throw new UserError(`${flags.resume}: not a usable checkpoint: it was written for another spec file or other options (the spec, --set, --exhaustive, --bound, --naive, --no-symmetry, --por, --max-memory, the ftrace-race version and its fingerprint and search formats must be the same)`);
  }
  const out = flags.checkpoint ? resolve(cwd, flags.checkpoint) : resumePath!;
  if (flags.checkpoint && out !== resumePath && existsSync(out)) {
    throw new UserError(`${flags.checkpoint}: exists: continue it with --resume ${flags.checkpoint}, or remove it`);
  }
  return { key, resume, out, label: (flags.checkpoint ?? flags.resume)!, everyMs: (flags.checkpointEvery ?? 300) * 1000 };
}

/**
 * The explorer's checkpoint options for a plan. `stop` says a signal asked the search to stop
 * (it then writes a checkpoint and ends, exit 3).
 */
export function checkpointControl(plan: CheckpointPlan, now: () => number, stop: () => boolean): Partial<CheckOptions> {
  let last = now();
  let stopping = false;
  return {
    checkpointKey: plan.key,
    resume: plan.resume,
    checkpoint: {
      due: () => {
        if (stop()) return (stopping = true), 'stop';
        if (now() - last >= plan.everyMs) return 'write';
        return null;
      },
      write: (cp) => {
        const tmp = `${plan.out}.tmp`;
        writeFileSync(tmp, encodeCheckpoint(cp));
        renameSync(tmp, plan.out);
        last = now();
      },
      stopped: () => `${stopping ? 'interrupted' : 'stopped'}: checkpoint written to ${plan.label}; go on with --resume ${plan.label}`,
    },
  };
}
