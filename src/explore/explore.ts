/**
 * The explorer's entry point: a spec and options in, an ExploreResult out. Strategies are
 * plug-ins (bounded.ts, random.ts); replay.ts follows one schedule.
 */
import type { Spec } from '../spec/types.js';
import { boundedStrategy, exhaustiveStrategy } from './bounded.js';
import { randomStrategy } from './random.js';
import type { ExploreOptions, ExploreResult, Strategy } from './strategy.js';

const STRATEGIES: Record<ExploreOptions['strategy'], Strategy> = {
  bounded: boundedStrategy,
  exhaustive: exhaustiveStrategy,
  random: randomStrategy,
};

export function explore(spec: Spec, opts: ExploreOptions): ExploreResult {
  return STRATEGIES[opts.strategy].run(spec, opts);
}

export { replay } from './replay.js';
export type { ReplayResult } from './replay.js';
export type { ExploreLimits, ExploreOptions, ExploreResult, ExploreStats, Finding, FoundSchedule, Progress, Strategy } from './strategy.js';
