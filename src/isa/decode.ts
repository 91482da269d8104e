import type { Insn } from './types.js';
import { TABLE, InsnSpec, matches, extractImm, extractReg } from './table.js';

/*
 * The decoder, derived from TABLE. Lookup structures are built once on first use: a direct
 * 65536-entry index for 16-bit parcels and per-major-opcode candidate lists for 32-bit words.
 */

let parcelIndex: Int16Array | undefined; // 16-bit parcel -> TABLE index + 1, 0 = not yet looked up, -1 = illegal
let parcelBuckets: number[][] | undefined; // quadrant (bits 1:0) and funct3 (bits 15:13) -> candidate TABLE indices
let wordBuckets: InsnSpec[][] | undefined; // bits 6:0 -> candidate entries

/*
 * Every RVC entry fixes its quadrant and funct3, so a parcel is matched only against the few
 * entries of its bucket, and the answer is memoised per parcel: start-up costs nothing and
 * each distinct parcel is classified once.
 */
function build(): void {
  parcelIndex = new Int16Array(65536);
  parcelBuckets = Array.from({ length: 32 }, () => []);
  wordBuckets = Array.from({ length: 128 }, () => []);
  TABLE.forEach((spec, i) => {
    if (spec.size === 4) {
      wordBuckets![spec.match & 0x7f].push(spec);
      return;
    }
    // Entries that leave funct3 or the quadrant open go into every bucket they can match.
    for (let b = 0; b < 32; b++) {
      const probe = ((b >> 2) << 13) | (b & 3);
      const fixed = 0xe003;
      if (((probe ^ spec.match) & spec.mask & fixed) === 0) parcelBuckets![b].push(i);
    }
  });
}

/** Finds the table entry an encoding belongs to (16-bit parcels when bits 1:0 != 11). */
export function lookup(bits: number): InsnSpec | undefined {
  if (!parcelIndex) build();
  if ((bits & 3) !== 3) {
    const p = bits & 0xffff;
    let i = parcelIndex![p];
    if (i === 0) {
      i = -1;
      // Later entries win, as in a table scan: the table lists refinements after the general form.
      for (const k of parcelBuckets![((p >>> 13) << 2) | (p & 3)]) if (matches(TABLE[k], p)) i = k + 1;
      parcelIndex![p] = i;
    }
    return i < 0 ? undefined : TABLE[i - 1];
  }
  // 48-bit and longer encodings (bits 4:2 = 111) are none of ours: no bucket entry has opcode x11111.
  const w = bits >>> 0;
  for (const spec of wordBuckets![w & 0x7f]) if (matches(spec, w)) return spec;
  return undefined;
}

/** Builds the Insn contract (types.ts) for an encoding known to match `spec`. */
export function decodeWith(spec: InsnSpec, bits: number): Insn {
  const b = spec.size === 2 ? bits & 0xffff : bits >>> 0;
  const rd = extractReg(spec.rd, b, 0);
  return {
    name: spec.name,
    op: spec.op,
    size: spec.size,
    bits: b,
    rd,
    rs1: extractReg(spec.rs1, b, rd),
    rs2: extractReg(spec.rs2, b, rd),
    imm: spec.imm ? extractImm(spec.imm, b) : 0,
    csr: spec.csr ? b >>> 20 : 0,
    aq: spec.aqrl ? ((b >>> 26) & 1) === 1 : false,
    rl: spec.aqrl ? ((b >>> 25) & 1) === 1 : false,
    pred: spec.fence ? (b >>> 24) & 15 : 0,
    succ: spec.fence ? (b >>> 20) & 15 : 0,
  };
}

/**
 * Decodes one instruction. `bits` is the fetched little-endian value: when bits 1:0 are not
 * 11 only the low 16 bits (one RVC parcel) are used, so callers may pass a full 32-bit fetch.
 * Returns undefined for reserved, illegal and unsupported encodings (incl. the all-zero parcel).
 */
export function decode(bits: number): Insn | undefined {
  const spec = lookup(bits);
  return spec ? decodeWith(spec, bits) : undefined;
}
