import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';

describe('cli', () => {
  it('prints help with examples and exits 0', async () => {
    const io = bufferIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('Examples:');
    expect(io.out).toContain('check');
  });
  it('prints the version', async () => {
    const io = bufferIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('rejects an unknown command with exit 2', async () => {
    const io = bufferIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.err).toMatch(/unknown command/);
  });
});
