/**
 * A small YAML reader for the one YAML file a run folder has: `files/config.yaml`, written by PyYAML's
 * `yaml.dump` (block style). runlens has no direct YAML dependency (js-yaml is only present
 * transitively), and this shape is narrow: block mappings, block sequences (including PyYAML's
 * indentless `key:\n- item`), plain / single- / double-quoted scalars that may continue on following
 * lines, empty `{}` / `[]`, simple flow lists, YAML 1.1 scalars (`.nan`, `.inf`, `yes`/`no`, `~`).
 * Anchors are dropped and aliases resolved when seen; `!!tags` are ignored. Not a general YAML parser:
 * anything else throws a SyntaxError naming the line.
 */

interface Line {
  indent: number;
  text: string;
  no: number;
}

export function parseConfigYaml(source: string): unknown {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const text = raw.replace(/\s+$/, "");
    const trimmed = text.trimStart();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed === "---" || trimmed === "...") {
      if (trimmed === "") lines.push({indent: -1, text: "", no: i + 1}); // kept: blank lines matter inside scalars
      return;
    }
    lines.push({indent: text.length - trimmed.length, text: trimmed, no: i + 1});
  });
  return new YamlReader(lines).document();
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^'"\s#?&*!|>{}[\],-][^#]*?|-[^\s#][^#]*?))\s*:(?:\s+|$)/;

class YamlReader {
  private i = 0;
  private readonly anchors = new Map<string, unknown>();
  constructor(private readonly lines: Line[]) {}

  document(): unknown {
    this.skipBlank();
    if (this.i >= this.lines.length) return null;
    const value = this.block(this.lines[this.i].indent);
    this.skipBlank();
    if (this.i < this.lines.length) this.fail(this.lines[this.i], "unexpected content");
    return value;
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && this.lines[this.i].indent < 0) this.i++;
  }

  private peek(): Line | undefined {
    this.skipBlank();
    return this.lines[this.i];
  }

  /** A node whose first line starts at exactly `indent`. */
  private block(indent: number): unknown {
    const line = this.peek()!;
    if (isSeqItem(line.text)) return this.sequence(indent);
    if (KEY.test(line.text)) return this.mapping(indent);
    this.i++;
    return this.scalar(line.text, line, indent - 1);
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent === indent && !isSeqItem(line.text); line = this.peek()) {
      const m = KEY.exec(line.text);
      if (!m) this.fail(line, "expected `key: value`");
      const key = m[1] !== undefined ? unescapeDouble(m[1]) : m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3].trim();
      const rest = line.text.slice(m[0].length);
      this.i++;
      Object.defineProperty(out, key, {value: this.valueAfterIndicator(rest, line, indent), enumerable: true, writable: true, configurable: true});
    }
    return out;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.peek(); line && line.indent === indent && isSeqItem(line.text); line = this.peek()) {
      const rest = line.text.slice(1).trimStart();
      if (rest === "" || rest.startsWith("&") || rest.startsWith("!")) {
        this.i++;
        out.push(this.valueAfterIndicator(rest, line, indent));
      } else {
        // `- key: v` / `- - x` / `- scalar`: the item is a node starting two columns further in.
        const column = indent + (line.text.length - rest.length);
        this.lines[this.i] = {indent: column, text: rest, no: line.no};
        out.push(this.block(column));
      }
    }
    return out;
  }

  /** Whatever follows `key:` or `-`: an inline scalar, or a nested block on the following lines. */
  private valueAfterIndicator(rest: string, line: Line, indent: number): unknown {
    let anchor: string | null = null;
    for (;;) {
      const m = /^(&\S+|!\S*)\s*/.exec(rest);
      if (!m) break;
      if (m[1].startsWith("&")) anchor = m[1].slice(1);
      rest = rest.slice(m[0].length);
    }
    let value: unknown;
    if (rest !== "" && !rest.startsWith("#")) value = this.scalar(rest, line, indent);
    else {
      const next = this.peek();
      if (next && next.indent > indent) value = this.block(next.indent);
      else if (next && next.indent === indent && isSeqItem(next.text)) value = this.sequence(indent);
      else value = null;
    }
    if (anchor !== null) this.anchors.set(anchor, value);
    return value;
  }

  /** A scalar starting on `line`; continuation lines are those indented deeper than `parentIndent`. */
  private scalar(text: string, line: Line, parentIndent: number): unknown {
    if (text.startsWith("*")) {
      const name = text.slice(1).trim();
      if (!this.anchors.has(name)) this.fail(line, `unknown alias *${name}`);
      return this.anchors.get(name);
    }
    if (text.startsWith('"') || text.startsWith("'")) {
      const quote = text[0];
      let body = text.slice(1);
      let previousBlank = false;
      // Folding: a line break becomes a space, a blank line a "\n", a trailing `\` joins lines as is.
      while (!closesQuote(body, quote)) {
        const next = this.lines[this.i];
        if (!next) this.fail(line, "unterminated quoted scalar");
        this.i++;
        if (next.indent < 0) {
          body += "\n";
          previousBlank = true;
          continue;
        }
        if (quote === '"' && /(?:^|[^\\])(?:\\\\)*\\$/.test(body)) body = body.slice(0, -1) + next.text;
        else body += (previousBlank ? "" : " ") + next.text;
        previousBlank = false;
      }
      const end = closingIndex(body, quote);
      const tail = body.slice(end + 1).trim();
      if (tail !== "" && !tail.startsWith("#")) this.fail(line, "text after a quoted scalar");
      const inner = body.slice(0, end);
      return quote === '"' ? unescapeDouble(inner) : inner.replace(/''/g, "'");
    }
    if (text.startsWith("[") || text.startsWith("{")) return flow(text, line, this);
    if (text.startsWith("|") || text.startsWith(">")) this.fail(line, "block scalars are not supported");
    let plain = stripComment(text);
    // Plain multi-line scalar: deeper-indented lines fold into it (blank lines become newlines).
    for (let next = this.lines[this.i]; next && (next.indent < 0 || next.indent > parentIndent); next = this.lines[this.i]) {
      if (next.indent < 0) {
        const after = this.lines.slice(this.i).find((l) => l.indent >= 0);
        if (!after || after.indent <= parentIndent) break;
        plain += "\n";
      } else {
        // PyYAML quotes any scalar containing `: `, so this is a mis-indented mapping, not text.
        if (/:(?:\s|$)/.test(next.text)) this.fail(next, "mapping entry indented under a scalar");
        plain += (plain.endsWith("\n") ? "" : " ") + stripComment(next.text);
      }
      this.i++;
    }
    return resolvePlain(plain);
  }

  fail(line: Line, message: string): never {
    throw new SyntaxError(`config.yaml line ${line.no}: ${message}`);
  }
}

function isSeqItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function stripComment(text: string): string {
  const hash = text.search(/\s#/);
  return (hash >= 0 ? text.slice(0, hash) : text).trim();
}

function closingIndex(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === "\\") i++;
    else if (body[i] === quote) {
      if (quote === "'" && body[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

function closesQuote(body: string, quote: string): boolean {
  return closingIndex(body, quote) >= 0;
}

const ESCAPES: Record<string, string> = {n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", " ": " ", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029"};

function unescapeDouble(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? e;
  });
}

/** YAML 1.1 plain-scalar resolution, as PyYAML's loader does it. */
export function resolvePlain(text: string): unknown {
  if (text === "" || text === "~" || /^(?:null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(text)) return true;
  if (/^(?:false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(text)) return false;
  if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(text)) return Number(text.replace(/_/g, ""));
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(text)) return (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/[-+_]|0x/g, ""), 16);
  if (/^[-+]?0[0-7_]+$/.test(text)) return (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/[-+_]/g, ""), 8);
  if (/^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$/.test(text) && /[0-9]/.test(text)) return Number(text.replace(/_/g, ""));
  if (/^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/.test(text)) return Number(text.replace(/_/g, ""));
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}

/** Flow collections: `[]`, `{}`, and flat lists / maps of scalars on one line. */
function flow(text: string, line: Line, reader: YamlReader): unknown {
  const body = stripComment(text);
  const open = body[0];
  const close = open === "[" ? "]" : "}";
  if (!body.endsWith(close)) reader.fail(line, "multi-line or nested flow collections are not supported");
  const inner = body.slice(1, -1).trim();
  const parts = inner === "" ? [] : splitFlow(inner, line, reader);
  if (open === "[") return parts.map((p) => flowScalar(p, line, reader));
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    const m = /^(.*?)\s*:\s+(.*)$/.exec(part) ?? /^(.*?):$/.exec(part);
    if (!m) reader.fail(line, "bad flow mapping entry");
    out[String(flowScalar(m[1], line, reader))] = m[2] === undefined ? null : flowScalar(m[2], line, reader);
  }
  return out;
}

function splitFlow(inner: string, line: Line, reader: YamlReader): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'") {
      const end = closingIndex(inner.slice(i + 1), c);
      if (end < 0) reader.fail(line, "unterminated quoted scalar");
      i += end + 1;
    } else if (c === "[" || c === "{") reader.fail(line, "nested flow collections are not supported");
    else if (c === ",") {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = inner.slice(start).trim();
  if (last !== "") parts.push(last);
  return parts;
}

function flowScalar(text: string, line: Line, reader: YamlReader): unknown {
  const t = text.trim();
  if (t.startsWith('"')) return unescapeDouble(t.slice(1, closingIndex(t.slice(1), '"') + 1));
  if (t.startsWith("'")) return t.slice(1, closingIndex(t.slice(1), "'") + 1).replace(/''/g, "'");
  if (t === "") reader.fail(line, "empty flow entry");
  return resolvePlain(t);
}
