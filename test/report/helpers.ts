import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Ajv04 from 'ajv-draft-04';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { kernelObjectsMissing } from '../kernel/built.js';

export const ROOT = join(__dirname, '..', '..');

/**
 * A temp working directory outside any git tree, with the library's specs and fixtures linked
 * in (specs/ without specs/kernel/ when its kernel objects are not built).
 */
export function workDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ftrace-race-ci-'));
  for (const name of ['fixtures', 'schema', 'test']) symlinkSync(join(ROOT, name), join(d, name));
  if (!kernelObjectsMissing) symlinkSync(join(ROOT, 'specs'), join(d, 'specs'));
  else {
    console.warn(kernelObjectsMissing);
    mkdirSync(join(d, 'specs'));
    for (const f of readdirSync(join(ROOT, 'specs')).filter((x) => x.endsWith('.yaml'))) symlinkSync(join(ROOT, 'specs', f), join(d, 'specs', f));
  }
  return d;
}

export async function run(argv: string[], cwd = ROOT, env: Record<string, string | undefined> = {}, stdin?: string) {
  const io = Object.assign(bufferIo(env), stdin === undefined ? {} : { readStdin: () => stdin });
  io.cwd = cwd;
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/**
 * The official SARIF 2.1.0 schema (rtm.5, vendored from @microsoft/jest-sarif, MIT). It is
 * draft-04; its `language` pattern is not valid under the `u` flag, so patterns compile without
 * it; `format` keywords (uri, date-time) are annotations here.
 */
export function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(__dirname, 'sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false, logger: false });
  return ajv.compile(schema);
}
