/**
 * Addresses as `symbol+0xoff` for traces and messages: the nearest symbol at or below the
 * address within 64 KiB, among the symbols a caller accepts; among symbols at one address a
 * label before a region name (`other_work`, not `other_text`), then the lowest name; fixed
 * names (e.g. the model's sentinel return addresses) first.
 */
export function hexAddr(a: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(a)).toString(16);
}

export class Symbolizer {
  private before(a: string, b: string): boolean {
    const ra = this.regions.has(a), rb = this.regions.has(b);
    return ra !== rb ? rb : a < b;
  }

  private readonly fixed: Map<number, string>;
  constructor(
    private readonly symbols: ReadonlyMap<string, number>,
    private readonly accept: (addr: number) => boolean,
    fixed: readonly (readonly [number, string])[] = [],
    /** Names that only stand for a region: a function label at the same address wins. */
    private readonly regions: ReadonlySet<string> = new Set(),
  ) {
    this.fixed = new Map(fixed);
  }

  name(addr: number): string {
    const f = this.fixed.get(addr);
    if (f !== undefined) return f;
    let best: [string, number] | undefined;
    for (const [name, a] of this.symbols) {
      if (a <= addr && addr - a < 0x10000 && (!best || a > best[1] || (a === best[1] && this.before(name, best[0])))) {
        if (this.accept(a)) best = [name, a];
      }
    }
    if (!best) return hexAddr(addr);
    return addr === best[1] ? best[0] : `${best[0]}+0x${(addr - best[1]).toString(16)}`;
  }
}
