// Bundles the CLI into dist/cli.mjs (run by `npm ci` through `prepare`, and by `npm test`).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/entry.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: 'dist/cli.mjs',
  sourcemap: false,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __ftrCreateRequire } from 'module'; const require = __ftrCreateRequire(import.meta.url);",
  },
});
