/**
 * Lexing GNU as source into statements: labels, a mnemonic or directive, and comma-separated
 * operands, each with its 1-based column so diagnostics point into the line. `#` starts a
 * comment and `;` separates statements (gas's comment and line_separator_chars for RISC-V),
 * both outside strings and character constants; `name = expr` is `.set name, expr`.
 */

export interface Operand {
  text: string;
  col: number; // 1-based column within the line
}

export interface Stmt {
  line: number; // 1-based within the source
  labels: { name: string; col: number }[];
  /** Mnemonic or directive, lower-cased. */
  op?: string;
  opCol: number;
  args: Operand[];
  /** Position among the block's statements: identifies it from pass to pass. */
  index: number;
}

/** Splits operand text at top-level commas (not inside parentheses or strings); `col0`: column of text[0]. */
function splitArgs(text: string, col0: number): Operand[] {
  const out: Operand[] = [];
  let depth = 0;
  let start = 0;
  let inStr = false;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === text.length || (c === ',' && depth === 0)) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), col: col0 + start + lead });
      start = i + 1;
    }
  }
  if (out.length === 1 && out[0].text === '') return [];
  return out;
}

/** Removes a `#` comment (outside strings and character constants). */
function stripComment(line: string): string {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === "'" && i + 1 < line.length) i += line[i + 1] === '\\' ? 2 : 1;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

/** Splits a line at `;` (gas's statement separator for RISC-V) outside strings. */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === ';') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The statements of a source, in order; lines without a label or an operation give none. */
export function lex(source: string): Stmt[] {
  const stmts: Stmt[] = [];
  const lines = source.split(/\r?\n/);
  lines.forEach((full, li) => {
    const text = stripComment(full);
    // ';' separates statements on one line (gas line_separator_chars for RISC-V).
    let pos = 0;
    for (const piece of splitStatements(text)) {
      const stmt: Stmt = { line: li + 1, labels: [], opCol: 0, args: [], index: 0 };
      let rest = piece;
      let col = pos + 1;
      for (;;) {
        const m = /^(\s*)([A-Za-z_.$][A-Za-z0-9_.$]*|\d+)\s*:(?!=)/.exec(rest);
        if (!m) break;
        stmt.labels.push({ name: m[2], col: col + m[1].length });
        col += m[0].length;
        rest = rest.slice(m[0].length);
      }
      const m = /^(\s*)(\S+)(\s*)(.*)$/.exec(rest);
      if (m) {
        const opCol = col + m[1].length;
        // `name = expr` is `.set name, expr`
        const eq = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=\s*(.*)$/.exec(rest.trim());
        if (eq && !m[2].startsWith('.')) {
          stmt.op = '.set';
          stmt.opCol = opCol;
          stmt.args = [{ text: eq[1], col: opCol }, { text: eq[2].trim(), col: opCol + rest.trim().indexOf('=') + 1 }];
        } else {
          stmt.op = m[2].toLowerCase();
          stmt.opCol = opCol;
          stmt.args = splitArgs(m[4], opCol + m[2].length + m[3].length);
        }
      }
      if (stmt.op || stmt.labels.length) stmts.push(stmt);
      pos += piece.length + 1;
    }
  });
  stmts.forEach((s, i) => (s.index = i));
  return stmts;
}
