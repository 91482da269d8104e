/**
 * The one budget every strategy checks: states, wall-clock time and heap. A limit is a value
 * (the reason, as printed), never an exception. Time and heap are read every 256 calls.
 */
import type { ExploreLimits } from './strategy.js';

export class Budget {
  private calls = 0;
  constructor(
    private readonly limits: ExploreLimits,
    private readonly t0: number,
    private readonly now: () => number,
    private readonly heapUsed?: () => number,
  ) {}

  /** The reason to stop, or null. `states`: the states counted against max-states. */
  exceeded(states: number): string | null {
    const o = this.limits;
    if (o.maxStates !== undefined && states >= o.maxStates) return `max-states ${o.maxStates} reached`;
    if ((this.calls++ & 255) === 0) return this.exceededSlow();
    return null;
  }

  /** Time and heap only, checked now. */
  exceededSlow(): string | null {
    const o = this.limits;
    if (o.maxTime !== undefined && this.now() - this.t0 >= o.maxTime) return `max-time ${o.maxTime} ms reached`;
    if (o.maxMemory !== undefined && this.heapUsed && this.heapUsed() >= o.maxMemory * 1024 * 1024) return `max-memory ${o.maxMemory} MB reached`;
    return null;
  }
}
