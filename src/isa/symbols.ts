/**
 * Addresses as `symbol+0xoff` for traces and messages: the nearest symbol at or below the
 * address within 64 KiB (lowest name first among symbols at one address), among the symbols a
 * caller accepts; fixed names (e.g. the model's sentinel return addresses) first.
 */
export function hexAddr(a: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(a)).toString(16);
}

export class Symbolizer {
  private readonly fixed: Map<number, string>;
  constructor(
    private readonly symbols: ReadonlyMap<string, number>,
    private readonly accept: (addr: number) => boolean,
    fixed: readonly (readonly [number, string])[] = [],
  ) {
    this.fixed = new Map(fixed);
  }

  name(addr: number): string {
    const f = this.fixed.get(addr);
    if (f !== undefined) return f;
    let best: [string, number] | undefined;
    for (const [name, a] of this.symbols) {
      if (a <= addr && addr - a < 0x10000 && (!best || a > best[1] || (a === best[1] && name < best[0]))) {
        if (this.accept(a)) best = [name, a];
      }
    }
    if (!best) return hexAddr(addr);
    return addr === best[1] ? best[0] : `${best[0]}+0x${(addr - best[1]).toString(16)}`;
  }
}
