import { describe, expect, it } from 'vitest';
import { ABI_NAMES, regNumber, regName, insnLength, insnSize, parcelAt, wordAt } from '../../src/isa/regs.js';

describe('register names', () => {
  it('maps ABI names, x-names and fp to numbers and back', () => {
    expect(ABI_NAMES).toHaveLength(32);
    ABI_NAMES.forEach((n, i) => {
      expect(regNumber(n)).toBe(i);
      expect(regNumber(`x${i}`)).toBe(i);
      expect(regName(i)).toBe(n);
    });
    expect(regNumber('fp')).toBe(8);
    expect([regNumber('x32'), regNumber('A0'), regNumber('pc'), regNumber('')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('instruction lengths (ISA ch. 1.5)', () => {
  it('reads the length a first parcel announces', () => {
    expect([0x0001, 0x8082, 0x0000].map(insnLength)).toEqual([2, 2, 2]);
    expect([0x0013, 0x0297, 0x007b].map(insnLength)).toEqual([4, 4, 4]);
    expect(insnLength(0x001f)).toBe(6);
    expect(insnLength(0x003f)).toBe(8);
    expect(insnLength(0x007f)).toBe(10);
    expect(insnLength(0x107f)).toBe(12);
    expect(insnLength(0x707f)).toBe(2); // the reserved >=192-bit class, as objdump counts it
    expect([0x0001, 0x0013, 0x001f].map(insnSize)).toEqual([2, 4, 4]);
  });
  it('reads little-endian parcels and words', () => {
    const b = new Uint8Array([0x97, 0x02, 0x00, 0x80, 0x82, 0x80]);
    expect(parcelAt(b, 0)).toBe(0x0297);
    expect(parcelAt(b, 4)).toBe(0x8082);
    expect(wordAt(b, 0)).toBe(0x80000297);
  });
});
