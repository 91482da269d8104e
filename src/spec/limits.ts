/**
 * Input limits: every resource a spec (untrusted input, e.g. from a patch under a CI gate)
 * can make the loader spend is bounded before it is spent, each with a one-line located
 * diagnostic and exit 2. The defaults leave every spec in specs/ far inside them (see
 * test/spec/limits.test.ts and docs/spec-format.md "Limits").
 */
import { CST, Lexer, Parser } from 'yaml';

export interface InputLimits {
  /** Bytes of a spec file (read with this cap; a device or FIFO is refused unread). */
  specBytes: number;
  /** Bytes of a file a spec names (`elf:`), and of the ELF given to `run` and `disasm`. */
  elfBytes: number;
  /** Nesting depth of YAML collections. */
  yamlDepth: number;
  /** Collection entries in the whole YAML document. */
  yamlNodes: number;
  /** Entries of one YAML mapping (yaml's duplicate-key check is quadratic in them). */
  yamlMapEntries: number;
  /** Nodes YAML aliases may expand to (yaml's maxAliasCount). */
  yamlAliases: number;
  /** Tasks, memory regions, patch sites. Harts are bounded by the schema (at most 8). */
  tasks: number;
  regions: number;
  sites: number;
  /** Declarative patch steps of all tasks, nested stop_machine steps included. */
  steps: number;
  /** Symbols: the spec's `symbols:`, asm labels and the symbols of an `elf:` file. */
  symbols: number;
  /** Upper bound of the bytes all asm blocks may emit, judged from their text before assembling. */
  asmBytes: number;
  /** Bytes of modelled memory: regions (asm, bytes, size) plus the segments of an `elf:` file. */
  memoryBytes: number;
  /** Milliseconds of loading (parsing, validating, assembling) before exploration starts. */
  prepareMs: number;
  /**
   * Directory entries `check DIR` (or a glob) may read below the directory it names, and how
   * many levels deep it may go (src/cli/check.ts walk; links to directories are not followed,
   * node_modules and dot-directories are skipped).
   */
  walkEntries: number;
  walkDepth: number;
}

export const DEFAULT_LIMITS: Readonly<InputLimits> = Object.freeze({
  specBytes: 1 << 20,
  elfBytes: 64 << 20,
  yamlDepth: 64,
  yamlNodes: 100_000,
  yamlMapEntries: 4096,
  yamlAliases: 100,
  tasks: 64,
  regions: 256,
  sites: 256,
  steps: 1024,
  symbols: 100_000,
  asmBytes: 1 << 20,
  memoryBytes: 16 << 20,
  prepareMs: 10_000,
  walkEntries: 10_000,
  walkDepth: 16,
});

export function limitsOf(partial?: Partial<InputLimits>): InputLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}

/** A limit that was passed: where (a byte offset into the YAML text) and why. */
export interface YamlShapeProblem {
  offset: number;
  message: string;
}

type Token = { type: string; offset: number; items?: Item[]; value?: Token; end?: unknown };
type Item = { key?: Token | null; value?: Token | null; sep?: unknown; start?: unknown };

/**
 * Depth and size of the YAML collections, measured on yaml's concrete syntax tree (its Lexer
 * and Parser keep explicit stacks, so this never recurses however deep the input nests)
 * before the document is composed: composing, toJS and schema validation recurse per level,
 * and duplicate-key checking is quadratic in the entries of one mapping.
 */
export function yamlShape(text: string, limits: InputLimits): YamlShapeProblem | undefined {
  const deep = lexicalDepth(text, limits);
  if (deep) return deep;
  let nodes = 0;
  const stack: [Token, number][] = [];
  for (const top of new Parser().parse(text)) stack.push([top as Token, 0]);
  while (stack.length) {
    const [tok, depth] = stack.pop()!;
    const collection = tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection';
    const d = collection ? depth + 1 : depth;
    if (d > limits.yamlDepth) return { offset: tok.offset, message: `YAML nests deeper than ${limits.yamlDepth} levels (limit yamlDepth)` };
    if (tok.type === 'document' && tok.value) stack.push([tok.value, d]);
    if (!tok.items) continue;
    nodes += tok.items.length;
    if (nodes > limits.yamlNodes) return { offset: tok.offset, message: `YAML has more than ${limits.yamlNodes} collection entries (limit yamlNodes)` };
    if (tok.type === 'block-map' || (tok.type === 'flow-collection' && (tok as { start?: { source?: string } }).start?.source === '{')) {
      if (tok.items.length > limits.yamlMapEntries) return { offset: tok.offset, message: `a YAML mapping has ${tok.items.length} entries, more than ${limits.yamlMapEntries} (limit yamlMapEntries)` };
    }
    for (const it of tok.items) {
      if (it.key && typeof it.key === 'object') stack.push([it.key, d]);
      if (it.value && typeof it.value === 'object') stack.push([it.value, d]);
    }
  }
  return undefined;
}

/**
 * The nesting yaml's Parser would build, bounded on its Lexer's tokens first: the Parser
 * keeps a node per open collection (500,000 `[` cost it about 500 MB), the Lexer a counter.
 * Flow collections nest by `[` and `{`; block collections nest on one line only by compact
 * `- - -` and `? ? ?` (nesting by indentation needs a line per level, which the byte cap
 * already bounds). Both counts are real nesting, so this never refuses a document the exact
 * walk below would accept.
 */
function lexicalDepth(text: string, limits: InputLimits): YamlShapeProblem | undefined {
  let offset = 0;
  let flow = 0;
  let compact = 0;
  for (const tok of new Lexer().lex(text)) {
    const type = CST.tokenType(tok);
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    else if (type === 'newline') compact = 0;
    else if ((type === 'seq-item-ind' || type === 'explicit-key-ind') && flow === 0) compact++;
    if (flow > limits.yamlDepth || compact > limits.yamlDepth) return { offset, message: `YAML nests deeper than ${limits.yamlDepth} levels (limit yamlDepth)` };
    // The Lexer's control tokens (document start, flow end, scalar start) are not source text.
    if (tok !== CST.DOCUMENT && tok !== CST.FLOW_END && tok !== CST.SCALAR) offset += tok.length;
  }
  return undefined;
}

const ASM_CAP = 1 << 20; // the assembler's own cap of one .space/.fill count (src/isa/asm.ts)

/** An integer literal as GNU as reads it, or undefined for an expression. */
function literal(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)$/.test(t)) return undefined;
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body.startsWith('0b') || body.startsWith('0B') ? parseInt(body.slice(2), 2) : body);
  return neg ? -v : v;
}

const clamp = (v: number | undefined, max: number) => (v === undefined || !Number.isFinite(v) ? max : Math.max(0, Math.min(v, max)));

/**
 * An upper bound of the bytes `text` assembles to, from its text alone: `.space`/`.zero`/
 * `.skip`/`.fill` counts and `.align`/`.p2align`/`.balign` padding (the assembler's own cap
 * when the operand is an expression), and for any other statement 32 bytes (the longest
 * expansion, `li` of a 64-bit constant, is 8 instructions) plus its length and 8 per operand
 * (data directives, strings).
 */
export function asmBytesBound(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    for (const piece of line.split(';')) {
      const stmt = piece.replace(/#.*$/, '').replace(/^\s*(?:(?:[A-Za-z_.$][A-Za-z0-9_.$]*|\d+)\s*:(?!=)\s*)*/, '').trim();
      if (!stmt) {
        if (piece.replace(/#.*$/, '').trim()) total += 8; // labels only: each costs a symbol
        continue;
      }
      const m = /^(\.[A-Za-z0-9_]+)\s*(.*)$/.exec(stmt);
      const op = m?.[1].toLowerCase();
      const args = m ? m[2].split(',') : [];
      switch (op) {
        case '.space': case '.zero': case '.skip':
          total += clamp(literal(args[0]), ASM_CAP);
          break;
        case '.fill':
          total += clamp(literal(args[0]), ASM_CAP) * (args.length >= 2 ? clamp(literal(args[1]), 8) : 1);
          break;
        case '.align': case '.p2align':
          total += 2 ** clamp(literal(args[0]), 16);
          break;
        case '.balign':
          total += clamp(literal(args[0]), 1 << 16);
          break;
        default:
          total += 32 + piece.length + 8 * (piece.split(',').length - 1);
      }
    }
  }
  return total;
}
