import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { code, enc, writeElf } from './util.js';

describe('ftrace-race run output', () => {
  it('passes guest bytes through unchanged, even when they are not UTF-8', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-bytes-'));
    const payload = Uint8Array.from([0xff, 0xfe, 0x80, 0x0a]);
    const text = code([
      enc.lui(11, 0x20), // a1 = 0x20000 (the payload)
      enc.addi(10, 0, 1), // a0 = stdout
      enc.addi(12, 0, payload.length),
      enc.addi(17, 0, 64), // write
      enc.ecall(),
      enc.addi(10, 0, 0),
      enc.addi(17, 0, 93), // exit
      enc.ecall(),
    ]);
    const path = join(dir, 'bytes.elf');
    writeFileSync(path, writeElf(0x10000, [
      { vaddr: 0x10000, data: text, flags: 'rx' },
      { vaddr: 0x20000, data: payload, flags: 'rw' },
    ]));
    const io = bufferIo();
    const chunks: Uint8Array[] = [];
    io.stdout = (t) => { chunks.push(typeof t === 'string' ? new TextEncoder().encode(t) : t); };
    expect(await main(['run', path], io)).toBe(0);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(payload));
  });
});
