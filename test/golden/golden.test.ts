import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenOutputs } from './golden.js';

const DIR = join(__dirname, 'out');

describe('golden output of the library', () => {
  it('check (every format, --all, strategies) and every witness replay give the committed bytes', async () => {
    const outs = await goldenOutputs();
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(DIR, { recursive: true });
      for (const [name, text] of outs) writeFileSync(join(DIR, `${name}.txt`), text);
    }
    for (const [name, text] of outs) {
      const file = join(DIR, `${name}.txt`);
      expect(existsSync(file), `${file} missing: run UPDATE_GOLDEN=1 npx vitest run test/golden`).toBe(true);
      // Compare line lists: a diff names the first differing line.
      expect(text.split('\n'), name).toEqual(readFileSync(file, 'utf8').split('\n'));
    }
  });
});
