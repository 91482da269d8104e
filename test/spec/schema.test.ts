import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { parse } from 'yaml';

describe('schema/spec.schema.json', () => {
  it('the generated validator is up to date (node schema/build-validator.mjs)', async () => {
    // @ts-expect-error a plain .mjs script without types
    const { generate } = await import('../../schema/build-validator.mjs');
    expect(readFileSync('src/spec/schema-validate.js', 'utf8')).toBe(generate());
  });

  it('is a valid draft-07 schema that accepts the bundled B specs', () => {
    const schema = JSON.parse(readFileSync('schema/spec.schema.json', 'utf8'));
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    for (const f of ['specs/b1-stop-machine-preempt-full.yaml', 'specs/b2-stop-machine-preempt-none.yaml', 'specs/b3-nosync-smp.yaml']) {
      const text = readFileSync(f, 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=../schema/spec.schema.json')).toBe(true);
      // Editors read bare hex as numbers beyond 2^53; the checker reads them exactly.
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
