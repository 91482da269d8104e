/**
 * The litmus reader: the accepted syntax, one located diagnostic per bad input (file:line:col,
 * exit 2 from the CLI), the bounds, and the CLI's herd layout.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLitmusDiagnostic, LITMUS_LIMITS, parseLitmus } from '../../src/spec/litmus.js';
import { litmusToSpec } from '../../src/spec/litmus-spec.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

const EXAMPLE = `RISCV MP.FF+fencei-example
Variant=self
{ 0:a0=flag; 0:a1=P0:lbl; 1:a0=flag; 1:a1=P0:lbl; 1:t0=instr:"li a2,2"; 1:t1=1; }
 P0              | P1            ;
 lw a3,0(a0)     | sw t0,0(a1)   ;
 fence.i         | fence w,w     ;
 lbl: li a2,1    | sw t1,0(a0)   ;
exists (0:a3=1 /\\ 0:a2=1)
`;

/** The first diagnostic of parsing and building `text`, as the CLI prints it. */
function error(text: string): string {
  const p = parseLitmus(text, 't.litmus');
  if (!p.test) return formatLitmusDiagnostic(p.diagnostics[0]);
  const b = litmusToSpec(p.test);
  if (!b.program) return formatLitmusDiagnostic(b.diagnostics[0]);
  return 'ok';
}

const edit = (from: string, to: string) => EXAMPLE.replace(from, to);

describe('litmus syntax', () => {
  it('reads the example: threads, labels, init, condition', () => {
    const { test } = parseLitmus(EXAMPLE, 't.litmus');
    expect(test).toBeDefined();
    expect(test!.name).toBe('MP.FF+fencei-example');
    expect(test!.variants).toEqual(['self']);
    expect(test!.threads.map((t) => t.cells.length)).toEqual([3, 3]);
    expect(test!.threads[0].cells[2].labels.map((l) => l.name)).toEqual(['lbl']);
    expect(test!.threads[0].cells[2].text).toBe('li a2,1');
    expect(test!.init).toHaveLength(6);
    expect(test!.condition.quantifier).toBe('exists');
    expect(test!.condition.text).toBe('exists (0:a3=1 /\\ 0:a2=1)');
  });

  it('accepts comments anywhere (nested too), doc strings, other header keys, C types, &loc, [loc]', () => {
    const t = `(* lead *) RISCV T1 (* after the name *)
"a one-line description"
Hash=0123
Variant=self
{ int x=1; uint64_t y; [z]=P0:L; 0:a0=&x; 0:a1=y; 0:x12=z; (* (* nested *) comment *) }
 P0            ;
 lw a3,(a0)    ;
 L:            ;
 lw a4,0(a2)   ;
exists ([x]=1 /\\ y=0 /\\ 0:a3=1 /\\ 0:a4=P0:L /\\ ~(0:a3=2) \\/ false)
`;
    expect(error(t)).toBe('ok');
  });

  it('accepts ~exists and forall, and herd state lines name instruction values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'litmus-'));
    writeFileSync(join(dir, 'a.litmus'), `RISCV Code
Variant=self
{ 1:a1=P0:lbl; 1:t0=instr:"j L"; }
 P0          | P1          ;
 lbl: nop    | sw t0,0(a1) ;
 L: nop      |             ;
forall (P0:lbl=instr:"j L")
`);
    const io = bufferIo();
    io.cwd = dir;
    expect(await main(['litmus', 'a.litmus'], io)).toBe(0);
    expect(io.out).toContain('Test Code Required\nModel base\nStates 1\n');
    expect(io.out).toMatch(/\*>P0:lbl=instr:"j L";/);
    expect(io.out).toContain('Observation Code Always');
  });

  const cases: [string, string, RegExp][] = [
    ['empty file', '', /^t\.litmus:1:1: empty litmus file/],
    ['another architecture', EXAMPLE.replace('RISCV', 'AArch64'), /^t\.litmus:1:1: expected the header 'RISCV NAME', found 'AArch64' \(only RISC-V/],
    ['no name', 'RISCV\n', /^t\.litmus:1:\d+: expected the test name/],
    ['unknown variant', edit('Variant=self', 'Variant=self,mixed'), /^t\.litmus:2:\d+: unknown variant 'mixed'/],
    ['junk before init', edit('Variant=self', 'Variant=self\nhello'), /^t\.litmus:3:1: expected the init block/],
    ['unterminated init', edit('1:t1=1; }', '1:t1=1;'), /^t\.litmus:3:1: unterminated init block/],
    ['unterminated comment', edit('Variant=self', 'Variant=self (* oops'), /^t\.litmus:2:14: unterminated comment/],
    ['row without ;', edit(' fence.i         | fence w,w     ;', ' fence.i         | fence w,w'), /^t\.litmus:6:\d+: code table row must end with ';'/],
    ['wrong column count', edit(' fence.i         | fence w,w     ;', ' fence.i ;'), /^t\.litmus:6:1: row has 1 column, the header 2/],
    ['bad header', edit(' P0              | P1            ;', ' P0 | P2 ;'), /^t\.litmus:4:\d+: expected thread name 'P1'/],
    ['unknown register', edit('1:t1=1;', '1:q7=1;'), /^t\.litmus:3:\d+: unknown register 'q7'/],
    ['no such thread', edit('1:t1=1;', '5:t1=1;'), /^t\.litmus:3:\d+: no thread 5/],
    ['bad value', edit('1:t1=1;', '1:t1=(;'), /^t\.litmus:3:\d+: expected a value/],
    ['unterminated string', edit('instr:"li a2,2"', 'instr:"li a2,2'), /^t\.litmus:3:\d+: unterminated string/],
    ['no condition', EXAMPLE.replace(/exists.*\n/, ''), /expected a condition/],
    ['bad quantifier', edit('exists (', 'sometimes ('), /^t\.litmus:8:\d+: code table row must end with ';' \(a condition starts with exists/],
    ['bad condition', edit('0:a2=1)', '0:a2=1'), /^t\.litmus:8:\d+: expected '\)'/],
    ['junk after condition', edit('0:a2=1)', '0:a2=1) 0:a3=2'), /^t\.litmus:8:\d+: unexpected '0' after the condition/],
    ['locations', edit('exists', 'locations [x;]\nexists'), /'locations \[\.\.\.\]' is not supported/],
    ['bare register in condition', edit('0:a2=1)', 'a2=1)'), /^t\.litmus:8:\d+: 'a2' is a register: write N:a2/],
    ['asm error, located in the row', edit('lw a3,0(a0)', 'lw a3,0(q0)'), /^t\.litmus:5:\d+: P0: /],
    ['bad instr value', edit('instr:"li a2,2"', 'instr:"frob a2"'), /^t\.litmus:3:\d+: instr:"frob a2": /],
    ['two-instruction instr value', edit('instr:"li a2,2"', 'instr:"li a2,0x12345678"'), /is 2 instructions \(8 bytes\): an instruction value is one instruction/],
    ['instr without Variant=self', EXAMPLE.replace('Variant=self\n', ''), /instr:"\.\.\." values need Variant=self/],
    ['unknown label', edit('0:a1=P0:lbl', '0:a1=P0:nope'), /^t\.litmus:3:\d+: no label 'nope' in P0/],
    ['label twice', edit(' fence.i         |', ' lbl: fence.i    |'), /label 'lbl' defined twice in P0/],
    ['register twice', edit('1:t1=1;', '1:t1=1; 1:t1=2;'), /1:t1 initialised twice/],
    ['reserved register', edit('1:t1=1;', '1:ra=1;'), /ra is reserved/],
    ['code in the init block', edit('1:t1=1;', 'P0:lbl=1;'), /code at P0:\.\.\. is initialised by the code table/],
    ['code compared with a number', edit('0:a2=1)', 'P0:lbl=1)'), /code at P0:lbl is compared with an instruction/],
    ['label jump without a known slot', edit('1:t1=1;', '1:t1=1; 0:t2=instr:"j lbl";'), /a jump is encoded relative to its slot/],
  ];
  for (const [what, text, re] of cases) {
    it(`reports ${what} at file:line:col`, () => {
      expect(error(text)).toMatch(re);
    });
  }

  it('is bounded: size, threads, rows, condition depth', () => {
    expect(error(`RISCV Big\n(* ${'x'.repeat(LITMUS_LIMITS.bytes)} *)`)).toMatch(/litmus file too large/);
    const nine = Array.from({ length: 9 }, (_, i) => `P${i}`).join(' | ');
    expect(error(`RISCV Wide\n{ }\n ${nine} ;\nexists (0:a0=0)\n`)).toMatch(/^t\.litmus:3:1: too many threads: 9 \(at most 8/);
    const rows = ' nop ;\n'.repeat(LITMUS_LIMITS.rows + 1);
    expect(error(`RISCV Long\n{ }\n P0 ;\n${rows}exists (0:a0=0)\n`)).toMatch(/too many rows/);
    const deep = `${'~'.repeat(LITMUS_LIMITS.depth + 2)}(0:a0=0)`;
    expect(error(`RISCV Deep\n{ }\n P0 ;\n nop ;\nexists (${deep})\n`)).toMatch(/nested too deeply/);
  });
});

describe('ftrace-race litmus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'litmus-cli-'));
  writeFileSync(join(dir, 'ex.litmus'), EXAMPLE);
  writeFileSync(join(dir, 'bad.litmus'), EXAMPLE.replace('1:t1=1;', '1:q7=1;'));
  const run = async (...argv: string[]) => {
    const io = bufferIo();
    io.cwd = dir;
    const code = await main(['litmus', ...argv], io);
    return { code, out: io.out, err: io.err };
  };

  it("prints herd's layout for the example: Forbidden under base", async () => {
    const r = await run('ex.litmus');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        'Test MP.FF+fencei-example Allowed',
        'Model base',
        'States 3',
        '1       :>0:a2=1; 0:a3=0;',
        '1       :>0:a2=2; 0:a3=0;',
        '1       :>0:a2=2; 0:a3=1;',
        'No',
        'Witnesses',
        'Positive: 0 Negative: 3',
        'Condition exists (0:a3=1 /\\ 0:a2=1)',
        'Observation MP.FF+fencei-example Never 0 3',
        "Unexplored outcomes needing a fetch performed after the same hart's later loads or stores are not explored",
        '',
      ].join('\n'),
    );
  });

  it('runs every model with --model all, in a fixed order, with the same bytes each time', async () => {
    const a = await run('ex.litmus', '--model', 'all');
    const b = await run('ex.litmus', '--model', 'all');
    expect(a.out).toBe(b.out);
    expect([...a.out.matchAll(/^Model (\S+)$/gm)].map((m) => m[1])).toEqual(['base', 'ziccid', 'ir-decode-w', 'ir-decode', 'ir3-fetch']);
  });

  it('exit 2 with file:line:col for a bad test, and the good ones still run', async () => {
    const r = await run('bad.litmus', 'ex.litmus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bad\.litmus:3:\d+: unknown register 'q7'/);
    expect(r.out).toContain('Test MP.FF+fencei-example Allowed');
  });

  it('exit 2 for a missing file and for an unknown model', async () => {
    expect((await run('nope.litmus')).err).toBe('nope.litmus: no such file\n');
    expect((await run('nope.litmus')).code).toBe(2);
    expect((await run('ex.litmus', '--model', 'tso')).code).toBe(2);
  });

  it('warns when the outcome may depend on RVWMO data reordering', async () => {
    const r = await run(join(import.meta.dirname, 'SB.litmus'));
    expect(r.out).toMatch(/^Warning SB .*SB\.litmus:11:2: P0: 'sw t1,0\(a0\)' \(line 11\) and 'lw a2,0\(a1\)' \(line 12\) are a store then a load .*store buffering.*sequentially consistent/m);
    const fenced = await run(join(import.meta.dirname, 'MP+fences.litmus'));
    expect(fenced.out).not.toContain('Warning');
  });

  it('a dependency, a fence of the right kinds or aq/rl orders a pair; other kinds of fence do not', () => {
    const lb = (p0: string[], p1: string[]) => {
      const n = Math.max(p0.length, p1.length);
      const rows = Array.from({ length: n }, (_, i) => ` ${(p0[i] ?? '').padEnd(22)}| ${(p1[i] ?? '').padEnd(22)};`).join('\n');
      const t = parseLitmus(`RISCV LB\n{ 0:a0=x; 0:a1=y; 0:t1=1; 1:a0=y; 1:a1=x; 1:t1=1; }\n P0 | P1 ;\n${rows}\nexists (0:a2=1 /\\ 1:a2=1)\n`, 'lb.litmus');
      return litmusToSpec(t.test!).program!.warnings.map((w) => w.message.slice(0, 2));
    };
    const fenced = ['lw a2,0(a0)', 'fence r,w', 'sw t1,0(a1)'];
    expect(lb(['lw a2,0(a0)', 'sw t1,0(a1)'], fenced)).toEqual(['P0']);
    expect(lb(['lw a2,0(a0)', 'sw a2,0(a1)'], fenced)).toEqual([]); // data dependency
    expect(lb(['lw a2,0(a0)', 'xor t2,a2,a2', 'add t2,a1,t2', 'sw t1,0(t2)'], fenced)).toEqual([]); // address dependency
    expect(lb(['lw a2,0(a0)', 'bnez a2,1f', '1: sw t1,0(a1)'], fenced)).toEqual([]); // control dependency to a store
    expect(lb(['lw a2,0(a0)', 'fence w,w', 'sw t1,0(a1)'], fenced)).toEqual(['P0']); // the wrong kinds
    expect(lb(['lr.w.aq a2,(a0)', 'sw t1,0(a1)'], fenced)).toEqual([]);
  });
});
