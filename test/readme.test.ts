import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';

/** The README's commands are what users type first: each must still do what the README says. */
describe('README commands', () => {
  const readme = readFileSync('README.md', 'utf8');
  const commands = [...readme.matchAll(/^ {4}npx ftrace-race (.+)$/gm)].map((m) => m[1]);

  it('lists the commands this test runs', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it.each(commands)('ftrace-race %s', async (line) => {
    const argv = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
    const io = bufferIo();
    const code = await main(argv, io);
    if (argv[0] === 'replay') {
      // A witness schedule replays into the violation it was printed for.
      expect(code).toBe(1);
      expect(io.out).toMatch(/^mixed-target \(auipc-jalr\) in site f/);
    } else {
      expect(code, io.err).toBe(0);
    }
  });

  it('the replay schedule in the README is the one check prints for B1', async () => {
    const io = bufferIo();
    await main(['check', 'specs/b1-stop-machine-preempt-full.yaml'], io);
    const printed = /schedule: (\S+)/.exec(io.out)![1];
    expect(readme).toContain(`--schedule '${printed}'`);
  });
});
