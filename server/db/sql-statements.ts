/** One statement of a SQL script, with where it starts (for error messages). */
export interface SqlStatement {
  /** The statement's text without the terminating semicolon, leading comments included. */
  sql: string;
  /** 1-based line of the script on which the statement's first token stands. */
  line: number;
  /** Offset of the statement's text in the script (0-based). */
  offset: number;
}

/**
 * Splits a PostgreSQL script into its statements at top-level semicolons.
 *
 * A semicolon only ends a statement outside quotes and comments, so the splitter tracks what
 * PostgreSQL's lexer would: `'…'` strings (with `''`, and backslash escapes in `E'…'`),
 * `"…"` identifiers, `$tag$…$tag$` bodies, `--` line comments and nested `/* … *\/` comments.
 * Pieces holding only whitespace and comments are dropped. `BEGIN ATOMIC … END` bodies of
 * SQL-standard functions are not recognised: write such functions with `$$` bodies.
 */
export function splitSqlStatements(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let hasCode = false;
  let firstCode = -1;
  let i = 0;
  const push = (end: number) => {
    if (hasCode) {
      statements.push({
        sql: script.slice(start, end),
        line: lineAt(script, firstCode),
        offset: start,
      });
    }
    start = end + 1;
    hasCode = false;
    firstCode = -1;
  };
  const markCode = (at: number) => {
    if (!hasCode) firstCode = at;
    hasCode = true;
  };
  while (i < script.length) {
    const char = script[i]!;
    const next = script[i + 1];
    if (char === "-" && next === "-") {
      const end = script.indexOf("\n", i);
      i = end === -1 ? script.length : end + 1;
    } else if (char === "/" && next === "*") {
      i = skipBlockComment(script, i);
    } else if (char === "'") {
      markCode(i);
      const escapes = /[eE]/.test(script[i - 1] ?? "") && !isIdentChar(script[i - 2]);
      i = skipQuoted(script, i, "'", escapes);
    } else if (char === '"') {
      markCode(i);
      i = skipQuoted(script, i, '"', false);
    } else if (char === "$" && !isIdentChar(script[i - 1])) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(script.slice(i));
      markCode(i);
      if (tag) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? script.length : close + tag[0].length;
      } else {
        i++;
      }
    } else if (char === ";") {
      push(i);
      i++;
    } else {
      if (!/\s/.test(char)) markCode(i);
      i++;
    }
  }
  push(script.length);
  return statements;
}

/** 1-based line number of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

function isIdentChar(char: string | undefined): boolean {
  return char !== undefined && /[\w$\u0080-\uffff]/.test(char);
}

function skipQuoted(script: string, open: number, quote: string, backslashEscapes: boolean) {
  let i = open + 1;
  while (i < script.length) {
    const char = script[i];
    if (backslashEscapes && char === "\\") {
      i += 2;
    } else if (char === quote) {
      // A doubled quote is an escaped quote, not the end.
      if (script[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return script.length;
}

function skipBlockComment(script: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < script.length) {
    if (script[i] === "/" && script[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (script[i] === "*" && script[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return script.length;
}
