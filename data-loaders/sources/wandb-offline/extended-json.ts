/**
 * `value_json` parsing (spec §4.2): JSON plus the bare tokens `NaN`, `Infinity`, `-Infinity` that
 * Python's `json.dumps` and wandb-core's encoder write for non-finite floats.
 *
 * History values are mostly single numbers, so those skip `JSON.parse`; everything else tries
 * `JSON.parse` first (fast, native) and only falls back to a small recursive-descent parser when the
 * text contains a bare non-finite token. The fallback parses the tokens only outside strings, so a
 * string value `"NaN"` stays a string.
 */

/**
 * Parse one `value_json`; throws SyntaxError when the text is not (extended) JSON.
 *
 * Text starting with a digit or `-` can only be a number (or `-Infinity`) in JSON, so it goes straight
 * to `Number()`, which also covers `-Infinity`. That is lenient about number spellings no JSON encoder
 * writes (`01`, `0x1f`); the cost of validating every value with a regex was ~40% of value parsing.
 */
export function parseValueJson(text: string): unknown {
  const c = text.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 /* - */) {
    const last = text.charCodeAt(text.length - 1);
    // Ending in a digit rules out `1.`, `1e`, `-`; `-Infinity` ends in `y`.
    if ((last >= 48 && last <= 57) || last === 121) {
      const n = +text;
      if (n === n) return n;
    }
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

/** Exact powers of ten: every 10^k for k ≤ 22 is representable, which makes one-step scaling exact. */
const POW10 = Array.from({length: 23}, (_, k) => 10 ** k);
const MANTISSA_LIMIT = 900719925474099; // while below this, mant * 10 + 9 < 2^53 stays exact

/**
 * A JSON number straight from UTF-8 bytes, without making a string: the common case for history
 * values. Uses the exact fast path (integer significand < 2^53 scaled once by an exact power of ten,
 * so the result is correctly rounded, as `Number()` would give). Returns undefined for anything else
 * (not a plain JSON number, 16+ significant digits, large exponents), which the caller parses as text.
 */
export function parseJsonNumberBytes(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  const negative = buf[i] === 45;
  if (negative) i++;
  if (i >= end) return undefined;
  let mantissa = 0;
  let exponent = 0;
  let c = buf[i];
  if (c === 48) {
    i++;
  } else if (c >= 49 && c <= 57) {
    for (; i < end && (c = buf[i]) >= 48 && c <= 57; i++) {
      if (mantissa >= MANTISSA_LIMIT) return undefined;
      mantissa = mantissa * 10 + (c - 48);
    }
  } else return undefined;
  if (i < end && buf[i] === 46) {
    i++;
    const first = i;
    for (; i < end && (c = buf[i]) >= 48 && c <= 57; i++) {
      if (mantissa >= MANTISSA_LIMIT) return undefined;
      mantissa = mantissa * 10 + (c - 48);
      exponent--;
    }
    if (i === first) return undefined;
  }
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let sign = 1;
    if (buf[i] === 43) i++;
    else if (buf[i] === 45) {
      sign = -1;
      i++;
    }
    const first = i;
    let e = 0;
    for (; i < end && (c = buf[i]) >= 48 && c <= 57; i++) {
      if (e > 1000) return undefined;
      e = e * 10 + (c - 48);
    }
    if (i === first) return undefined;
    exponent += sign * e;
  }
  if (i !== end) return undefined;
  let value: number;
  if (mantissa === 0) value = 0;
  else if (exponent === 0) value = mantissa;
  else if (exponent > 0 && exponent <= 22) value = mantissa * POW10[exponent];
  else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent];
  else return undefined;
  return negative ? -value : value;
}

/** True when `buf[start, end)` is exactly a JSON number: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. */
function isJsonNumber(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (buf[i] === 45) i++;
  if (i >= end) return false;
  let c = buf[i];
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) while (i < end && (c = buf[i]) >= 48 && c <= 57) i++;
  else return false;
  if (i < end && buf[i] === 46) {
    const first = ++i;
    while (i < end && (c = buf[i]) >= 48 && c <= 57) i++;
    if (i === first) return false;
  }
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    if (buf[i] === 43 || buf[i] === 45) i++;
    const first = i;
    while (i < end && (c = buf[i]) >= 48 && c <= 57) i++;
    if (i === first) return false;
  }
  return i === end;
}

/**
 * Any JSON number straight from bytes: parseJsonNumberBytes's exact fast path, else (16+ significant digits,
 * as Python's repr of most floats has; large exponents) the validated spelling read by `Number()`, which rounds
 * exactly as JSON.parse does. Undefined when the bytes are not exactly a JSON number.
 */
export function parseAnyJsonNumberBytes(buf: Buffer, start: number, end: number): number | undefined {
  const fast = parseJsonNumberBytes(buf, start, end);
  if (fast !== undefined || !isJsonNumber(buf, start, end)) return fast;
  return +buf.toString("latin1", start, end);
}
