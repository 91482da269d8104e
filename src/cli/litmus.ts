import { FETCH_MODELS } from '../model/fetch/fetch-model.js';
import { Command, Option } from 'commander';
import { InputFileError, readInputFile } from './input.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';
import { resolve } from 'node:path';
import type { CommandContext } from './main.js';
import { EXIT, Io, heapUsed } from './io.js';
import { formatLitmusDiagnostic, parseLitmus } from '../spec/litmus.js';
import { LITMUS_MODELS, LitmusModel, LitmusProgram, litmusToSpec, withFetchModel } from '../spec/litmus-spec.js';
import { explore } from '../explore/explore.js';
import { DEFAULT_LIMITS as CHECK_LIMITS, limit } from '../api/check.js';
import { intArg } from './check.js';

/**
 * `ftrace-race litmus FILE.litmus... [--model M|all]`: herd-style RISC-V litmus tests (with the
 * self-modifying form) run on the checker's machine model under each instruction-fetch model.
 * Output follows herd7's layout, one block per test and model (docs/litmus.md); the states are
 * those of complete executions, sorted, with the number of explored executions ending in each.
 */

export interface LitmusRun {
  model: LitmusModel;
  /** Final state (herd's text) -> [explored executions ending there, whether the condition's proposition holds]. */
  states: [string, number, boolean][];
  positive: number;
  negative: number;
  violations: string[];
  limit?: string;
}

export interface LitmusLimits {
  maxStates?: number;
  maxTime?: number;
}

/** Runs one built test under one model. */
export function runLitmus(p: LitmusProgram, model: LitmusModel, limits: LitmusLimits = {}): LitmusRun {
  const holds = new Map<string, boolean>();
  const result = explore(withFetchModel(p.spec, model), {
    strategy: 'exhaustive',
    naive: false,
    // The limits of check: a test is untrusted input too (cut short: exit 3, `Limit ...`).
    maxStates: limit(limits.maxStates, undefined, CHECK_LIMITS.maxStates),
    maxTime: limit(limits.maxTime, undefined, CHECK_LIMITS.maxTime),
    maxMemory: CHECK_LIMITS.maxMemory,
    heapUsed,
    observe: (final) => {
      const o = p.observe(final);
      holds.set(o.state, o.holds);
      return o.state;
    },
  });
  const states: [string, number, boolean][] = (result.outcomes ?? []).map(([s, n]) => [s, n, holds.get(s) ?? false]);
  let positive = 0;
  let negative = 0;
  for (const [, n, h] of states) {
    if (h) positive += n;
    else negative += n;
  }
  const violations = result.findings.map((f) => `${f.violation.property}${f.violation.kind && f.violation.kind !== f.violation.property ? ` (${f.violation.kind})` : ''}: ${f.violation.message} [${f.schedules} execution${f.schedules === 1 ? '' : 's'}; schedule ${f.schedule}]`);
  return { model, states, positive, negative, violations, limit: result.limit };
}

/** herd7's block for one test under one model. */
export function formatRun(p: LitmusProgram, r: LitmusRun): string {
  const t = p.test;
  const q = t.condition.quantifier;
  const kind = q === 'exists' ? 'Allowed' : q === '~exists' ? 'Forbidden' : 'Required';
  const ok = q === 'exists' ? r.positive > 0 : q === '~exists' ? r.positive === 0 : r.negative === 0;
  const obs = r.positive === 0 ? 'Never' : r.negative === 0 ? 'Always' : 'Sometimes';
  const lines = [`Test ${t.name} ${kind}`, `Model ${r.model}`, `States ${r.states.length}`];
  for (const [s, n, h] of r.states) lines.push(`${String(n).padEnd(8)}${h ? '*>' : ':>'}${s}`);
  for (const v of r.violations) lines.push(`Violation ${v}`);
  if (r.limit) lines.push(`Limit ${r.limit}: the states above are incomplete`);
  lines.push(ok ? 'Ok' : 'No', 'Witnesses', `Positive: ${r.positive} Negative: ${r.negative}`);
  lines.push(`Condition ${t.condition.text}`);
  lines.push(`Observation ${t.name} ${obs} ${r.positive} ${r.negative}`);
  const u = FETCH_MODELS[r.model].unexplored;
  if (u) lines.push(`Unexplored ${u}`);
  return `${lines.join('\n')}\n`;
}

/** Parses and builds one file; diagnostics go to stderr. */
export function loadLitmus(text: string, file: string, io?: Io): LitmusProgram | undefined {
  const parsed = parseLitmus(text, file);
  if (!parsed.test) {
    for (const d of parsed.diagnostics) io?.stderr(`${formatLitmusDiagnostic(d)}\n`);
    return undefined;
  }
  const built = litmusToSpec(parsed.test);
  if (!built.program) {
    for (const d of built.diagnostics) io?.stderr(`${formatLitmusDiagnostic(d)}\n`);
    return undefined;
  }
  return built.program;
}

export function registerLitmus(program: Command, ctx: CommandContext): void {
  program
    .command('litmus')
    .description('run herd-style RISC-V litmus tests (Variant=self: self-modifying code) under the instruction-fetch models')
    .argument('<files...>', 'litmus tests (.litmus)')
    .addOption(new Option('--model <model>', 'instruction-fetch model').choices([...LITMUS_MODELS, 'all']).default('base'))
    .addOption(new Option('--max-states <n>', 'stop a test after n states (exit 3; default 2000000, 0 = no limit)').argParser(intArg('--max-states')))
    .addOption(new Option('--max-time <ms>', 'stop a test after this many milliseconds (exit 3; default none)').argParser(intArg('--max-time')))
    .action((files: string[], opts: { model: LitmusModel | 'all'; maxStates?: number; maxTime?: number }) => {
      const models: readonly LitmusModel[] = opts.model === 'all' ? LITMUS_MODELS : [opts.model];
      let code: number = EXIT.ok;
      const out: string[] = [];
      for (const file of files) {
        let text: string;
        try {
          // Untrusted input like a spec: a regular file only, with the spec size cap.
          text = new TextDecoder().decode(readInputFile(resolve(ctx.io.cwd, file), DEFAULT_LIMITS.specBytes));
        } catch (e) {
          if (!(e instanceof InputFileError)) throw e;
          ctx.io.stderr(`${file}: ${e.reason === 'size' ? `${e.message} (limit specBytes)` : e.message}\n`);
          code = EXIT.badInput;
          continue;
        }
        const p = loadLitmus(text, file, ctx.io);
        if (!p) {
          code = EXIT.badInput;
          continue;
        }
        const blocks: string[] = [];
        for (const w of p.warnings) blocks.push(`Warning ${p.test.name} ${file}:${w.pos.line}:${w.pos.column}: ${w.message}\n`);
        for (const m of models) {
          const r = runLitmus(p, m, opts);
          if (r.limit && code === EXIT.ok) code = EXIT.inconclusive;
          blocks.push(formatRun(p, r));
        }
        out.push(blocks.join('\n'));
      }
      if (out.length) ctx.io.stdout(`${out.join('\n')}`);
      ctx.setExit(code);
    });
}
