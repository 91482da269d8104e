/**
 * Test helpers: a minimal static ELF64 writer (so tests can run hand-made programs without a
 * toolchain), raw RV64 encoders for the few instructions harnesses need, and the fixture list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(ROOT, 'fixtures');

export interface Segment {
  vaddr: number;
  data: Uint8Array;
  memsz?: number;
  flags: string; // 'rx', 'rw', 'rwx'
}

/** A static little-endian ELF64 RISC-V executable (ET_EXEC) with the given PT_LOAD segments. */
export function writeElf(entry: number, segments: Segment[], opts: { cls?: 1 | 2; machine?: number } = {}): Uint8Array {
  const phoff = 64, phsize = 56;
  let off = phoff + phsize * segments.length;
  const placed = segments.map((s) => {
    // keep file offset congruent to vaddr modulo the page size, as loaders expect
    off = off + ((s.vaddr - off) & 0xfff);
    const o = off;
    off += s.data.length;
    return { ...s, offset: o };
  });
  const out = new Uint8Array(off);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, 1, 1, 0]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, opts.machine ?? 243, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(entry), true);
  v.setBigUint64(32, BigInt(phoff), true);
  v.setBigUint64(40, 0n, true);
  v.setUint32(48, 1, true); // EF_RISCV_RVC (informational: the emulator always decodes RVC)
  v.setUint16(52, 64, true);
  v.setUint16(54, phsize, true);
  v.setUint16(56, segments.length, true);
  v.setUint16(58, 64, true);
  placed.forEach((s, i) => {
    const p = phoff + i * phsize;
    const fl = (s.flags.includes('r') ? 4 : 0) | (s.flags.includes('w') ? 2 : 0) | (s.flags.includes('x') ? 1 : 0);
    v.setUint32(p, 1, true);
    v.setUint32(p + 4, fl, true);
    v.setBigUint64(p + 8, BigInt(s.offset), true);
    v.setBigUint64(p + 16, BigInt(s.vaddr), true);
    v.setBigUint64(p + 24, BigInt(s.vaddr), true);
    v.setBigUint64(p + 32, BigInt(s.data.length), true);
    v.setBigUint64(p + 40, BigInt(s.memsz ?? s.data.length), true);
    v.setBigUint64(p + 48, 0x1000n, true);
    out.set(s.data, s.offset);
  });
  return out;
}

// ---- raw encoders (RISC-V base formats) ----------------------------------------------------
export const enc = {
  i: (op: number, f3: number, rd: number, rs1: number, imm: number) =>
    (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  s: (op: number, f3: number, rs1: number, rs2: number, imm: number) =>
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0,
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  addi: (rd: number, rs1: number, imm: number) => enc.i(0x13, 0, rd, rs1, imm),
  ld: (rd: number, rs1: number, imm: number) => enc.i(0x03, 3, rd, rs1, imm),
  sd: (rs2: number, rs1: number, imm: number) => enc.s(0x23, 3, rs1, rs2, imm),
  jal: (rd: number, imm: number) =>
    ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0,
  jalr: (rd: number, rs1: number, imm: number) => enc.i(0x67, 0, rd, rs1, imm),
  ecall: () => 0x73,
};

/** Little-endian bytes of a list of instruction words (32-bit) and parcels ({ h: 16-bit }). */
export function code(items: (number | { h: number })[]): Uint8Array {
  const bytes: number[] = [];
  for (const it of items) {
    if (typeof it === 'number') bytes.push(it & 0xff, (it >>> 8) & 0xff, (it >>> 16) & 0xff, (it >>> 24) & 0xff);
    else bytes.push(it.h & 0xff, (it.h >>> 8) & 0xff);
  }
  return Uint8Array.from(bytes);
}

// ---- fixtures and qemu ----------------------------------------------------------------------
export interface Fixture {
  name: string;
  path: string;
  args: string[];
  out: Buffer;
  code: number;
}

export function fixtures(): Fixture[] {
  const dir = join(FIXTURES, 'elf');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.elf'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.elf$/, '');
      const exp = join(FIXTURES, 'expected', name);
      const argText = readFileSync(exp + '.args', 'utf8').trim();
      return {
        name,
        path: join(dir, f),
        args: argText ? argText.split(/\s+/) : [],
        out: readFileSync(exp + '.out'),
        code: Number(readFileSync(exp + '.code', 'utf8').trim()),
      };
    });
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
}
export const HAVE_QEMU = which('qemu-riscv64');
if (!HAVE_QEMU) console.warn('test/emu: qemu-riscv64 not found: differential tests against qemu are skipped (apt-get install qemu-user)');

/** Runs an ELF under qemu-riscv64: stdout bytes and exit status. */
export function qemu(path: string, args: string[] = []): { out: Buffer; code: number } {
  try {
    const out = execFileSync('qemu-riscv64', [path, ...args], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
    return { out, code: 0 };
  } catch (e) {
    const err = e as { status: number | null; stdout: Buffer };
    return { out: err.stdout, code: err.status ?? -1 };
  }
}
