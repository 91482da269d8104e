/**
 * The installed package's own directory (templates/, schema/, specs/): the nearest directory
 * above this module with ftrace-race's package.json. Works from src/cli (tests) and from the
 * bundle in dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(d, 'package.json');
    if (existsSync(p)) {
      try {
        if (JSON.parse(readFileSync(p, 'utf8')).name === 'ftrace-race') return d;
      } catch {
        // not ours: keep walking up
      }
    }
    if (dirname(d) === d) throw new Error('cannot find the ftrace-race package directory');
    d = dirname(d);
  }
}
