/**
 * Fast path for HistoryPage response bodies: `{"data":{"project":{"run":{"history":["…","…"]}}}}`, a list of
 * JSON string literals, each one logged row as JSON text (2–3 KB each, hundreds per page).
 *
 * Decoding the whole body to one string costs far more than parsing it: a string over 128 KB lives in V8's
 * large-object space, and making one costs ~4 ms per MB on this kind of machine (a fresh mapping, page faults),
 * against ~0.1 ms per MB for strings under that size. So the body is split into its row literals on the bytes,
 * and only those small pieces become strings.
 *
 * Splitting needs no byte loop: inside a string literal every `"` byte is escaped (preceded by a backslash), so
 * the first `}"` after a literal's opening quote is where a literal whose text ends in `}` (every JSON object
 * row) closes. Each literal found that way is then parsed with JSON.parse, which both unescapes it and proves it
 * is exactly one string token. Anything else (another shape, other separators, a row that does not end in `}`,
 * an error body) returns undefined and the caller parses the body as text, the general way, with the same result.
 */

const PREFIX = Buffer.from('{"data":{"project":{"run":{"history":[', "latin1");
const LITERAL_END = Buffer.from('}"', "latin1");
const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

function skipSpace(bytes: Uint8Array, pos: number): number {
  for (;;) {
    const c = bytes[pos];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return pos;
    pos++;
  }
}

/**
 * The `history` list of a HistoryPage body (row texts, unescaped), or undefined when the body is not exactly
 * `{"data":{"project":{"run":{"history":[<string literals>]}}}}` with rows that are JSON objects.
 */
export function splitHistoryBody(bytes: Buffer): string[] | undefined {
  const size = bytes.length;
  if (size < PREFIX.length + 5 || bytes.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return undefined;
  const rows: string[] = [];
  let pos = skipSpace(bytes, PREFIX.length);
  if (bytes[pos] === CLOSE_BRACKET) pos++;
  else {
    for (;;) {
      if (bytes[pos] !== QUOTE) return undefined;
      const close = bytes.indexOf(LITERAL_END, pos + 1);
      if (close < 0) return undefined;
      const end = close + 2;
      let text: unknown;
      try {
        text = JSON.parse(bytes.toString("utf8", pos, end));
      } catch {
        return undefined; // not one literal: the row did not end in `}` (or the body is not JSON)
      }
      rows.push(text as string);
      pos = skipSpace(bytes, end);
      const c = bytes[pos++];
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) return undefined;
      pos = skipSpace(bytes, pos);
    }
  }
  for (let i = 0; i < 4; i++) {
    pos = skipSpace(bytes, pos);
    if (bytes[pos++] !== CLOSE_BRACE) return undefined;
  }
  return skipSpace(bytes, pos) === size ? rows : undefined;
}
