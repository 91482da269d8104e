/**
 * `ftrace-race explain SPEC`: the model as ftrace-race understood the spec — harts, fetch and
 * preemption models, regions, sites with every version's disassembly and declared targets,
 * tasks with their task numbers, the patch protocol step by step — then a check and a
 * coverage summary, so "safe" can be told apart from "never reached" (src/api/coverage.ts: the
 * check's whole search; a seeded sample if a limit cut it short). A site no execution entered
 * is a warning.
 */
import { join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { intArg } from './check.js';
import type { CommandContext } from './main.js';
import { EXIT, heapUsed } from './io.js';
import { CliIo, readStdin } from './term.js';
import { loadSpecFile, loadSpecText } from './input.js';
import { diagnosticText } from '../spec/diagnostic.js';
import type { Spec, Step } from '../spec/types.js';
import { hexAddr } from '../isa/symbols.js';
import { checkSpec } from '../api/check.js';
import { buildWitness, labelsFirst, siteText } from '../api/witness.js';
import { sampleCoverage, searchCoverage } from '../api/coverage.js';
import { Machine } from '../model/machine.js';
import { makeChalk, verdictLine } from '../report/text.js';

export function explainModel(spec: Spec): string[] {
  const m = new Machine(spec);
  const names = labelsFirst(spec, (a) => m.layout.inRegion(a));
  const sym = (a: number) => `${names.name(a)} (${hexAddr(a)})`;
  const out: string[] = [];
  out.push(`spec ${spec.name}${spec.description ? ` — ${spec.description}` : ''}`);
  out.push(`machine: ${spec.harts} hart${spec.harts === 1 ? '' : 's'}; preemption ${spec.preemption}; interrupts ${spec.interrupts.enabled ? `on (harts ${spec.interrupts.harts.join(',')}, at most ${spec.interrupts.max})` : 'off'}`);
  out.push(`fetch: ${spec.fetch.atomic}-byte atomic fetch units; ${spec.fetch.coherence === 'coherent' ? 'coherent (a fetch sees the latest write: Ziccif-like)' : 'fence.i (a hart may fetch stale bytes until it runs fence.i)'}`);
  out.push('', 'memory:');
  for (const r of spec.regions) out.push(`  ${r.name}: ${r.kind}${r.kind === 'data' && r.shared ? ' (shared)' : ''} ${hexAddr(r.base)}..${hexAddr(r.base + r.bytes.length)} (${r.bytes.length} bytes${r.insnStarts.size ? `, ${r.insnStarts.size} instructions` : ''})`);
  out.push('', 'sites:');
  for (const s of spec.sites) {
    const region = spec.regions.find((r) => s.base >= r.base && s.base < r.base + r.bytes.length);
    const initial = region ? [...region.bytes.subarray(s.base - region.base, s.base - region.base + s.size)] : [];
    out.push(`  ${s.name} at ${sym(s.base)}, ${s.size} bytes (spec line ${s.loc.line})`);
    out.push(`    v0 (initial): ${siteText(initial, s.base)}`);
    let v = 1;
    for (const w of writes(spec)) {
      if (w.at < s.base || w.at >= s.base + s.size) continue;
      const full = [...initial];
      for (let i = 0; i < w.bytes.length; i++) full[w.at - s.base + i] = w.bytes[i];
      out.push(`    v${v++} (write at line ${w.loc.line}): ${siteText(full, s.base)}`);
    }
    out.push(`    legitimate targets (with the fall-through): ${[...new Set([...s.targets, s.base + s.size])].map(sym).join(', ')}`);
  }
  out.push('', 'tasks (schedule numbers):');
  m.taskNames.forEach((name, i) => {
    const t = spec.tasks[i];
    const harts = m.layout.taskHarts[i] ?? [];
    if (!t) { out.push(`  t${i} = ${name}: stop_machine's stopper on hart ${harts.join(',')}`); return; }
    const where = `hart${harts.length > 1 ? 's' : ''} ${harts.join(',')}, starts ${t.start}`;
    if (t.kind === 'caller') out.push(`  t${i} = ${name}: caller on ${where}; calls ${sym(t.call)} ${t.times} time${t.times === 1 ? '' : 's'}`);
    else if (t.kind === 'code') out.push(`  t${i} = ${name}: RV64 code on ${where}; entry ${sym(t.entry)}`);
    else {
      out.push(`  t${i} = ${name}: patcher on ${where}; protocol:`);
      steps(t.steps, '    ', out, sym);
    }
  });
  const checked = Object.entries(spec.properties).filter(([, on]) => on).map(([p]) => p);
  out.push('', `properties checked: ${checked.join(', ')}${spec.assertions.length ? `; assertions: ${spec.assertions.map((a) => a.name).join(', ')}` : ''}`);
  out.push(`expect: ${spec.hasExpect ? `${spec.expect.verdict}${spec.expect.property ? ` ${spec.expect.property}${spec.expect.kind ? `/${spec.expect.kind}` : ''}` : ''}` : 'none (safe is assumed)'}`);
  out.push(`explore: ${spec.explore.exhaustive ? 'exhaustive' : `preemption bound ${spec.explore.bound ?? 'iterative, until exhausted'}`}; reduction ${spec.explore.reduction}; at most ${spec.explore.maxSteps} steps per task`);
  return out;
}

/** A site whose content is not instructions (a call-ops pointer, a data word): loads read it, harts never fetch it. */
function dataSite(spec: Spec, site: Spec['sites'][number]): boolean {
  const region = spec.regions.find((r) => site.base >= r.base && site.base < r.base + r.bytes.length);
  if (!region) return false;
  const bytes = [...region.bytes.subarray(site.base - region.base, site.base - region.base + site.size)];
  return /(^|; )\.(2|4)byte /.test(siteText(bytes, site.base));
}

function writes(spec: Spec): (Step & { op: 'write' })[] {
  const out: (Step & { op: 'write' })[] = [];
  const walk = (ss: readonly Step[]) => ss.forEach((s) => (s.op === 'write' ? out.push(s) : s.op === 'stop_machine' ? walk(s.steps) : undefined));
  for (const t of spec.tasks) if (t.kind === 'patcher') walk(t.steps);
  return out;
}

function steps(ss: readonly Step[], indent: string, out: string[], sym: (a: number) => string): void {
  ss.forEach((s, i) => {
    const n = `${indent}${i + 1}. `;
    switch (s.op) {
      case 'write':
        out.push(`${n}write ${s.bytes.length} bytes at ${sym(s.at)} as ${s.stores.length} store${s.stores.length === 1 ? '' : 's'} (${s.stores.join(' + ')} bytes): ${siteText([...s.bytes], s.at)} (line ${s.loc.line})`);
        break;
      case 'stop_machine':
        out.push(`${n}stop_machine (every hart's stopper gathers with IRQs off; on exit: ${s.flush})`);
        steps(s.steps, indent + '   ', out, sym);
        break;
      case 'remote_fence_i':
        out.push(`${n}remote fence.i by IPI to ${Array.isArray(s.harts) ? `harts ${s.harts.join(',')}` : s.harts}${s.wait ? ', waiting for every ack' : ''}`);
        break;
      default:
        out.push(`${n}${s.op}`);
    }
  });
}

export function registerExplain(program: Command, ctx: CommandContext): void {
  program
    .command('explain')
    .description('print the model as understood (harts, sites and versions, tasks, the protocol) and, after a check, which sites and versions executions reached')
    .argument('<spec>', 'spec file, or - (standard input)')
    .option('--no-check', 'only the model, no check and no coverage')
    .addOption(new Option('--walks <n>', 'random executions sampled for coverage (at most 100000)').argParser(intArg('--walks', 100_000)).default(200))
    .addOption(new Option('--max-states <n>', 'stop the check after n states (exit 3; default 2000000, 0 = no limit)').argParser(intArg('--max-states')))
    .addOption(new Option('--max-time <ms>', 'stop the check after this many milliseconds (exit 3; default none)').argParser(intArg('--max-time')))
    .action((input: string, flags: { check: boolean; walks: number; maxStates?: number; maxTime?: number }) => {
      const io = ctx.io as CliIo;
      const c = makeChalk(io.env, io.isTTY);
      const file = input === '-' ? join(io.cwd, 'stdin.yaml') : resolve(io.cwd, input);
      const shown = input === '-' ? '-' : relative(io.cwd, file) || file;
      // Untrusted input, as in check: the size caps and file-type checks of cli/input.ts.
      const loaded = input === '-' ? loadSpecText(readStdin(io), shown, io.cwd) : loadSpecFile(file, shown);
      if (!loaded.spec) {
        io.stderr(diagnosticText(loaded.diagnostics));
        ctx.setExit(EXIT.badInput);
        return;
      }
      const spec = loaded.spec;
      io.stdout(explainModel(spec).join('\n') + '\n');
      if (!flags.check) return;
      const { result, matches } = checkSpec(spec, { heapUsed, coverage: true, maxStates: flags.maxStates, maxTime: flags.maxTime });
      io.stdout('\n' + verdictLine(spec, result, matches, c) + '\n');
      // The check's own search when it was complete; a seeded sample when a limit cut it short.
      const whole = result.complete && result.coverage !== undefined;
      const witnesses = result.findings.map((f) => buildWitness(spec, shown, f.schedule, f.steps).events);
      const cov = whole ? searchCoverage(spec, result.coverage!) : sampleCoverage(spec, flags.walks, 1, witnesses);
      io.stdout(whole
        ? `\ncoverage (the whole search: ${result.stats.executions} execution${result.stats.executions === 1 ? '' : 's'}, ${result.stats.states} states):\n`
        : `\ncoverage (${cov.walks} seeded random executions${witnesses.length ? ` and ${witnesses.length} witness${witnesses.length === 1 ? '' : 'es'}` : ''}; a sample: the search was cut short):\n`);
      let warnings = 0;
      for (const s of cov.sites) {
        const made = Array.from({ length: s.versionsMade }, (_, i) => i);
        const missed = made.filter((v) => !s.versionsExecuted.includes(v));
        io.stdout(`  site ${s.name}: ${whole ? (s.entered ? 'entered' : 'never entered') : `entered in ${s.entered} of ${cov.walks} executions`}; versions executed ${s.versionsExecuted.map((v) => `v${v}`).join(', ') || 'none'} of ${made.map((v) => `v${v}`).join(', ')}\n`);
        const site = spec.sites.find((x) => x.name === s.name)!;
        if (s.entered === 0 && !s.versionsExecuted.length && dataSite(spec, site)) {
          io.stdout(c.dim(`    (not code: its bytes are no instruction, so it is read by loads, which coverage does not trace)\n`));
        } else if (s.entered === 0 && !s.versionsExecuted.length) {
          warnings++;
          io.stdout(c.yellow(`  warning: no execution entered site ${s.name}: a safe verdict says nothing about it\n`));
        } else if (missed.length) io.stdout(c.dim(`    (${missed.map((v) => `v${v}`).join(', ')} never executed${whole ? '' : ' in the sample'})\n`));
      }
      io.stdout(`  instructions: ${cov.instructions.executed} of ${cov.instructions.total} executed\n`);
      for (const r of cov.regionsNeverRun) io.stdout(c.dim(`    region ${r}: no instruction ran\n`));
      if (warnings) io.stderr(`ftrace-race: ${warnings} warning${warnings === 1 ? '' : 's'}: see coverage\n`);
      const code = result.verdict === 'inconclusive' && !matches ? EXIT.inconclusive : matches ? EXIT.ok : EXIT.violation;
      ctx.setExit(code);
    });
}
