/**
 * `ftrace-race init [--template NAME] [FILE]`: a commented starter spec from one of the
 * library's designs (templates/), with the yaml-language-server schema line pointing at the
 * installed schema so editors complete and check it. FILE omitted: the spec goes to stdout.
 * An existing FILE is never overwritten without --force.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from './main.js';
import { UserError } from './io.js';
import { packageRoot } from './package-root.js';

export function templateNames(): string[] {
  return readdirSync(join(packageRoot(), 'templates')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** The template's text for a spec written at `file` (absolute; undefined: stdout, schema path absolute). */
export function templateText(name: string, file: string | undefined): string {
  const names = templateNames();
  if (!names.includes(name)) throw new UserError(`--template: no template '${name}' (one of ${names.join(', ')})`);
  const root = packageRoot();
  const schema = join(root, 'schema', 'spec.schema.json');
  const schemaRef = file ? relative(dirname(file), schema).split(sep).join('/') : schema.split(sep).join('/');
  const specName = file ? basename(file).replace(/\.ya?ml$/, '') : name;
  return readFileSync(join(root, 'templates', `${name}.yaml`), 'utf8').replace('$schema=SCHEMA', `$schema=${schemaRef}`).replace(/^name: NAME$/m, `name: ${specName}`);
}

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write a commented starter spec from one of the library designs (to stdout without FILE)')
    .argument('[file]', 'where to write the spec (refuses to overwrite without --force)')
    .option('--template <name>', 'the design to start from (see --list)', 'auipc-jalr')
    .option('--list', 'list the templates')
    .option('--force', 'overwrite FILE if it exists')
    .action((file: string | undefined, flags: { template: string; list?: boolean; force?: boolean }) => {
      const { io } = ctx;
      if (flags.list) {
        for (const n of templateNames()) io.stdout(`${n}\n`);
        return;
      }
      if (file === undefined || file === '-') {
        io.stdout(templateText(flags.template, undefined));
        return;
      }
      const abs = resolve(io.cwd, file);
      if (existsSync(abs) && !flags.force) throw new UserError(`${file}: already exists (use --force to overwrite)`);
      try {
        writeFileSync(abs, templateText(flags.template, abs));
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${file}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      io.stderr(`ftrace-race: wrote ${file} (template ${flags.template}); next: ftrace-race explain ${file}\n`);
    });
}
