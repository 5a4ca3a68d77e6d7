/**
 * `value_json` parsing (spec §4.2): JSON plus the bare tokens `NaN`, `Infinity`, `-Infinity` that
 * Python's `json.dumps` and wandb-core's encoder write for non-finite floats.
 *
 * History values are mostly single numbers, so those skip `JSON.parse`; everything else tries
 * `JSON.parse` first (fast, native) and only falls back to a small recursive-descent parser when the
 * text contains a bare non-finite token. The fallback parses the tokens only outside strings, so a
 * string value `"NaN"` stays a string.
 */

const PLAIN_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Parse one `value_json`; throws SyntaxError when the text is not (extended) JSON. */
export function parseValueJson(text: string): unknown {
  const c = text.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 /* - */) {
    if (PLAIN_NUMBER.test(text)) return +text;
    if (text === "-Infinity") return -Infinity;
  } else if (c === 78 /* N */ && text === "NaN") return NaN;
  else if (c === 73 /* I */ && text === "Infinity") return Infinity;
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    return new ExtendedJsonParser(text).parseDocument();
  }
}

/** Recursive-descent JSON parser accepting NaN / Infinity / -Infinity as numbers. */
class ExtendedJsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail("unexpected trailing text");
    return value;
  }

  private value(depth: number): unknown {
    if (depth > 512) this.fail("nesting too deep");
    this.skipWhitespace();
    const t = this.text;
    const c = t[this.pos];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (this.take("NaN")) return NaN;
    if (this.take("Infinity")) return Infinity;
    if (this.take("-Infinity")) return -Infinity;
    if (this.take("true")) return true;
    if (this.take("false")) return false;
    if (this.take("null")) return null;
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const m = match.exec(t);
    if (!m || m[0] === "-" || m[0] === "") this.fail("unexpected character");
    this.pos += m![0].length;
    return +m![0];
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos++] !== ":") this.fail("expected ':'");
      // defineProperty: a "__proto__" key must become an own property, as JSON.parse does.
      Object.defineProperty(out, key, {value: this.value(depth + 1), enumerable: true, writable: true, configurable: true});
      this.skipWhitespace();
      const sep = this.text[this.pos++];
      if (sep === "}") return out;
      if (sep !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipWhitespace();
      const sep = this.text[this.pos++];
      if (sep === "]") return out;
      if (sep !== ",") this.fail("expected ',' or ']'");
    }
  }

  /** A JSON string literal, decoded by JSON.parse itself (escapes are standard JSON). */
  private string(): string {
    const start = this.pos;
    let i = start + 1;
    const t = this.text;
    while (i < t.length && t[i] !== '"') i += t[i] === "\\" ? 2 : 1;
    if (i >= t.length) this.fail("unterminated string");
    this.pos = i + 1;
    return JSON.parse(t.slice(start, i + 1)) as string;
  }

  private take(word: string): boolean {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.pos++;
    }
  }

  private fail(message: string): never {
    throw new SyntaxError(`value_json: ${message} at position ${this.pos}`);
  }
}
