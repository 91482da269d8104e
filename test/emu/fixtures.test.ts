import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fixtures, HAVE_QEMU, qemu } from './util.js';
import { loadProcess, runProcess } from '../../src/emu/linux.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

/** Runs an ELF in-process; returns stdout bytes and the exit status (or the failure). */
function runElf(path: string, args: string[], opts: { blocks?: boolean; reference?: boolean } = {}) {
  const chunks: Uint8Array[] = [];
  const p = loadProcess(readFileSync(path), { args: [path, ...args], ...opts });
  const outcome = runProcess(p, { args, write: (fd, b) => { if (fd === 1) chunks.push(b.slice()); }, maxSteps: 50_000_000 });
  return { out: Buffer.concat(chunks), outcome, mem: p.mem };
}

const all = fixtures();

describe('fixtures under `ftrace-race run`', () => {
  it('has the fixture set', () => {
    expect(all.length).toBeGreaterThanOrEqual(16);
  });
  for (const f of all) {
    it(`${f.name}: stdout and exit status equal qemu-riscv64's recorded run`, async () => {
      const io = bufferIo();
      const status = await main(['run', f.path, ...f.args], io);
      expect(io.err).toBe('');
      expect(status).toBe(f.code);
      expect(io.out).toBe(f.out.toString('utf8'));
    });
  }
});

describe.skipIf(!HAVE_QEMU)('fixtures against a live qemu-riscv64', () => {
  for (const f of all) {
    it(`${f.name}: qemu-riscv64 still gives the recorded stdout and exit status`, () => {
      // Together with the test above: ours == recorded == qemu now.
      const q = qemu(f.path, f.args);
      expect(q.code).toBe(f.code);
      expect(q.out.equals(f.out)).toBe(true);
    });
  }
});

describe('compiled hart vs reference interpreter', () => {
  // The reference interpreter is slow on purpose (BigInt, decode every step): it audits the
  // fixtures with calls, jump tables, self-modifying code and CSRs; the random-sequence test
  // covers every other op (AMOs included) against it.
  for (const f of all.filter((x) => /^(calls|smc|csr)/.test(x.name))) {
    it(`${f.name}: blocks, single-instruction closures and the reference agree`, () => {
      const ref = runElf(f.path, f.args, { reference: true });
      const one = runElf(f.path, f.args, { blocks: false });
      const blk = runElf(f.path, f.args, { blocks: true });
      expect(one.out.equals(ref.out)).toBe(true);
      expect(blk.out.equals(ref.out)).toBe(true);
      expect(one.outcome).toEqual(ref.outcome);
      expect(blk.outcome).toEqual(ref.outcome);
      expect(blk.mem.fingerprint()).toBe(ref.mem.fingerprint());
    });
  }
});
