/**
 * GNU binutils as a reference oracle (STYLE.md 9): run riscv64-linux-gnu-as / -objdump on
 * generated sources and parse what they print. Tests skip, with the reason below, when absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLE, matches, InsnSpec } from '../../src/isa/table.js';

export const AS = 'riscv64-linux-gnu-as';
export const OBJDUMP = 'riscv64-linux-gnu-objdump';
export const OBJCOPY = 'riscv64-linux-gnu-objcopy';

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Why binutils tests are skipped, or undefined when the tools are present. */
export const binutilsMissing: string | undefined =
  has(AS) && has(OBJDUMP) && has(OBJCOPY)
    ? undefined
    : `${AS}/${OBJDUMP}/${OBJCOPY} not found (Debian package binutils-riscv64-linux-gnu); skipping GNU binutils comparisons`;
if (binutilsMissing) console.warn(binutilsMissing);

export const MARCH_RVC = 'rv64imac_zicsr_zifencei';
export const MARCH_NORVC = 'rv64ima_zicsr_zifencei';

export interface ObjdumpLine {
  address: number;
  hex: string;
  /** Mnemonic and operands as printed, tab-separated as objdump does. */
  text: string;
}

/** Parses `objdump -d` output into instruction lines (symbol headers and blank lines dropped). */
export function parseObjdump(out: string): ObjdumpLine[] {
  const lines: ObjdumpLine[] = [];
  for (const l of out.split('\n')) {
    const m = /^ *([0-9a-f]+):\t([0-9a-f ]+?) *\t(.*)$/.exec(l);
    if (m) lines.push({ address: parseInt(m[1], 16), hex: m[2], text: m[3] });
  }
  return lines;
}

/** Assembles `source` with GNU as; returns .text bytes and objdump -d lines, or as's stderr. */
export function gas(source: string, march: string, objdumpArgs: string[] = []): { bytes: Uint8Array; lines: ObjdumpLine[]; dump: string } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-isa-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    const r = spawnSync(AS, [`-march=${march}`, '-mno-relax', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { encoding: 'utf8' });
    if (r.status !== 0) return { error: r.stderr };
    execFileSync(OBJCOPY, ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    const dump = execFileSync(OBJDUMP, ['-d', ...objdumpArgs, join(dir, 'a.o')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return { bytes: new Uint8Array(readFileSync(join(dir, 'a.bin'))), lines: parseObjdump(dump), dump };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** objdump -d of an existing file. */
export function objdumpFile(path: string, args: string[] = []): ObjdumpLine[] {
  return parseObjdump(execFileSync(OBJDUMP, ['-d', ...args, path], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** A small seeded PRNG (mulberry32), so corpora are random but reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
}

/**
 * Encodings covering every table entry: `perEntry` random fillings of each entry's free bits,
 * plus the all-zero and all-one fillings (edge immediates and registers), skipping excluded ones.
 */
export function encodingCorpus(perEntry: number, seed: number, entries: readonly InsnSpec[] = TABLE): number[] {
  const rnd = prng(seed);
  const words: number[] = [];
  for (const e of entries) {
    const width = e.size === 2 ? 0xffff : 0xffffffff;
    const free = (~e.mask & width) >>> 0;
    const fills = [0, free, ...Array.from({ length: perEntry }, () => rnd() & free)];
    for (const f of fills) {
      const w = (e.match | f) >>> 0;
      if (matches(e, w)) words.push(w);
    }
  }
  return words;
}

/** `.insn` lines that make GNU as emit exactly these encodings as instructions (not data). */
export function insnSource(words: number[]): string {
  return '.text\n' + words.map((w) => `.insn 0x${w.toString(16)}\n`).join('');
}

export const LD = 'riscv64-linux-gnu-ld';

/**
 * Assembles with GNU as (-mno-relax) and links at `base` (so relocations against labels are
 * resolved as our flat assembler resolves them); returns the .text bytes or as/ld's errors.
 */
export function gasLinked(source: string, march: string, base: number): { bytes: Uint8Array } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-asm-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    const r = spawnSync(AS, [`-march=${march}`, '-mno-relax', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { encoding: 'utf8' });
    if (r.status !== 0) return { error: r.stderr };
    const l = spawnSync(LD, ['--no-relax', `-Ttext=0x${base.toString(16)}`, '-e', '0', '-o', join(dir, 'a.elf'), join(dir, 'a.o')], { encoding: 'utf8' });
    if (l.status !== 0) return { error: l.stderr };
    execFileSync(OBJCOPY, ['-O', 'binary', '-j', '.text', join(dir, 'a.elf'), join(dir, 'a.bin')]);
    return { bytes: new Uint8Array(readFileSync(join(dir, 'a.bin'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
