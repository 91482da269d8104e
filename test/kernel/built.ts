/**
 * Whether the kernel objects specs/kernel/ needs are built (fixtures/kernel/build.sh). Tests
 * that run the whole library (`check specs/`) take specs/kernel/ only when they are, and
 * print why not otherwise (docs/kernel.md: the objects are built in CI, never committed).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Why specs/kernel/ cannot run here, or undefined when both versions are built. */
export const kernelObjectsMissing: string | undefined = ['6.12', '6.1'].every((v) => existsSync(join(ROOT, 'fixtures/kernel/out', v, 'VERSION')))
  ? undefined
  : 'fixtures/kernel/out/{6.12,6.1} not built (fixtures/kernel/build.sh); the library runs without specs/kernel/';

/** `specs/` as a command-line input, or its top-level specs when specs/kernel/ cannot run. */
export function libraryInputs(): string[] {
  if (!kernelObjectsMissing) return ['specs/'];
  console.warn(kernelObjectsMissing);
  return readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `specs/${f}`);
}
