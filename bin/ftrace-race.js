#!/usr/bin/env node
// Launcher of the bundled CLI (built into dist/ by `npm ci` / `npm run build`).
import('../dist/cli.mjs').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('ftrace-race: dist/cli.mjs is missing; run `npm run build` (npm ci does it for you)\n');
    process.exit(70);
  }
  throw err;
});
