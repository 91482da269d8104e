/**
 * YAML with source positions: parse a spec keeping every node's offset so that schema errors,
 * asm errors and resolution errors point at `file:line:col`. Integers are read as BigInt and
 * normalised (safe ones to numbers, larger ones to hex strings) so 64-bit kernel addresses
 * written as bare hex survive exactly.
 */
import { Alias, Document, isMap, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar, visit } from 'yaml';
import type { SourceLoc } from './types.js';
import type { SpecDiagnostic } from './diagnostic.js';

export type Path = (string | number)[];

export class SpecSource {
  readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;
  /** Paths set from the command line (`--set`), rendered in messages. */
  readonly overridden = new Map<string, string>();

  constructor(readonly text: string, readonly file: string) {
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, intAsBigInt: true, prettyErrors: false, uniqueKeys: true });
  }

  syntaxErrors(): SpecDiagnostic[] {
    return this.doc.errors.map((e) => {
      const at = this.lineCounter.linePos(e.pos[0]);
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { code: 'yaml', file: this.file, line: at.line, column: at.col, message };
    });
  }

  /** The plain data (after normalising integers). Throws for alias problems; see dataOrDiagnostic. */
  data(maxAliasCount = 100): unknown {
    return normalise(this.doc.toJS({ maxAliasCount }));
  }

  /**
   * The plain data, or a located diagnostic for what yaml's toJS refuses: an alias whose
   * anchor is not set before it, or aliases expanding to more than `maxAliasCount` nodes (the
   * "billion laughs" resource exhaustion).
   */
  dataOrDiagnostic(maxAliasCount: number): { value?: unknown; diagnostic?: SpecDiagnostic } {
    try {
      return { value: this.data(maxAliasCount) };
    } catch (e) {
      if (!(e instanceof ReferenceError)) throw e;
      const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(e.message);
      let at: Alias | undefined;
      visit(this.doc, {
        Alias: (_, node) => {
          if (!unresolved || node.source === unresolved[1]) {
            at = node;
            return visit.BREAK;
          }
          return undefined;
        },
      });
      const p = this.lineCounter.linePos(at?.range?.[0] ?? 0);
      const message = unresolved
        ? `unknown alias '*${unresolved[1]}': no anchor '&${unresolved[1]}' before it`
        : `YAML aliases expand to too many nodes (more than ${maxAliasCount}; limit yamlAliases)`;
      return { diagnostic: { code: 'yaml', file: this.file, line: p.line, column: p.col, message } };
    }
  }

  node(path: Path): Node | undefined {
    const n = this.doc.getIn(path, true);
    return n && typeof n === 'object' && 'range' in (n as object) ? (n as Node) : undefined;
  }

  /** Location of the node at `path`, or of its nearest ancestor that has one. */
  loc(path: Path): SourceLoc {
    for (let len = path.length; len >= 0; len--) {
      const n = this.node(path.slice(0, len));
      if (n?.range) {
        const p = this.lineCounter.linePos(n.range[0]);
        return { file: this.file, line: p.line, column: p.col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  /** Location of the key of `path`'s last segment in its parent map (for unknown fields). */
  keyLoc(parent: Path, key: string): SourceLoc {
    const m = this.node(parent);
    if (m && isMap(m)) {
      for (const pair of m.items) {
        const k = pair.key as Node | null;
        if (k && isScalar(k) && String(k.value) === key && k.range) {
          const p = this.lineCounter.linePos(k.range[0]);
          return { file: this.file, line: p.line, column: p.col };
        }
      }
    }
    return this.loc(parent);
  }

  /**
   * Maps (line, column) inside a string scalar's value to the spec file: block scalars
   * (`asm: |`) start on the line after the header, at the block's indentation; quoted and
   * plain scalars start at the node (after the quote).
   */
  private lines?: string[];

  textOrigin(path: Path): { line: number; column: number; block: boolean } {
    const n = this.node(path);
    if (!n || !isScalar(n) || !n.range) {
      const l = this.loc(path);
      return { line: l.line, column: l.column, block: false };
    }
    const start = this.lineCounter.linePos(n.range[0]);
    const type = (n as Scalar).type;
    if (type === Scalar.BLOCK_LITERAL || type === Scalar.BLOCK_FOLDED) {
      // First non-empty content line after the header gives the indentation. The lines are
      // split once: this runs for every asm line that carries a symbol or a diagnostic.
      const lines = (this.lines ??= this.text.split('\n'));
      let i = start.line; // 0-based index of the line after the header
      while (i < lines.length && lines[i].trim() === '') i++;
      const indent = i < lines.length ? lines[i].length - lines[i].trimStart().length : 0;
      return { line: start.line + 1, column: indent + 1, block: true };
    }
    const quoted = type === Scalar.QUOTE_DOUBLE || type === Scalar.QUOTE_SINGLE ? 1 : 0;
    return { line: start.line, column: start.col + quoted, block: false };
  }

  /** Translates a (1-based) position inside the string at `path` to a file location. */
  within(path: Path, line: number, column: number): SourceLoc {
    const o = this.textOrigin(path);
    if (o.block) return { file: this.file, line: o.line + line - 1, column: o.column + column - 1 };
    return { file: this.file, line: o.line + line - 1, column: line === 1 ? o.column + column - 1 : column };
  }

  /** Sets a value (from `--set`) in the document, creating maps on the way. */
  set(path: Path, value: unknown, text: string): void {
    this.doc.setIn(path, value);
    this.overridden.set(path.join('.'), text);
  }

  has(path: Path): boolean {
    return this.doc.hasIn(path);
  }

  isSeq(path: Path): boolean {
    const n = this.node(path);
    return !!n && isSeq(n);
  }
}

function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, w] of Object.entries(v)) out[k] = normalise(w);
    return out;
  }
  return v;
}
