/**
 * Coverage of a search: which instructions ran, which sites were entered and which of their
 * versions executed, and how many versions each site reached — collected by the model while
 * the explorer searches (only when asked: ExploreOptions.coverage), so `explain` can tell
 * "safe" from "never reached" for the whole search, not a sample. Not part of the state.
 */
import type { Core } from './core.js';
import { versionOfWrite } from './sites/ledger.js';

export interface SearchCoverage {
  /** Per site (spec order): whether any execution ran an instruction of it, the versions executed, the versions made. */
  sites: { entered: boolean; versionsExecuted: number[]; versionsMade: number }[];
  /** Distinct addresses of executed instructions, ascending. */
  pcs: number[];
}

export class CoverageSink {
  private readonly pcs = new Set<number>();
  private readonly entered: boolean[];
  private readonly versions: Set<number>[];
  private readonly made: number[];

  constructor(sites: number) {
    this.entered = new Array(sites).fill(false);
    this.versions = Array.from({ length: sites }, () => new Set<number>());
    this.made = new Array(sites).fill(1);
  }

  /** An instruction at pc ran (or was attempted); in site s, from bytes of these writes. */
  insn(k: Core, pc: number, s: number, wids: readonly number[]): void {
    this.pcs.add(pc);
    if (s < 0) return;
    this.entered[s] = true;
    for (const w of wids) this.versions[s].add(versionOfWrite(k, s, w));
  }

  versionMade(s: number, count: number): void {
    if (count > this.made[s]) this.made[s] = count;
  }

  result(): SearchCoverage {
    return {
      sites: this.entered.map((e, i) => ({ entered: e, versionsExecuted: [...this.versions[i]].sort((a, b) => a - b), versionsMade: this.made[i] })),
      pcs: [...this.pcs].sort((a, b) => a - b),
    };
  }
}
