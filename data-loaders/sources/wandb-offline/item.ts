/**
 * Config / summary / history items (§3.4): the hot path of decoding, since every history value is one.
 */
import {parseAnyJsonNumberBytes, parseValueJson} from "./extended-json.js";
import {forEachField, subEnd, type Reader} from "./proto-reader.js";

/**
 * A config / summary / history item (§3.4). Its path is `nestedKey` when that is non-null, else
 * `[key]`. A one-component `nested_key` is stored in `key` (the path is the same, and it saves an
 * array per value: wandb-core writes every history key that way), so `nestedKey` is only set for
 * paths of two or more components.
 *
 * `value_json` stays as bytes until asked for: `value()` reads plain numbers (most history values)
 * directly from them, and only other values become a string first.
 */
export class Item {
  private text: string | undefined;
  constructor(
    readonly key: string,
    readonly nestedKey: string[] | null,
    private readonly src: Buffer,
    private readonly start: number,
    private readonly end: number
  ) {}

  get valueJson(): string {
    return (this.text ??= this.src.toString("utf8", this.start, this.end));
  }

  get path(): string[] {
    return this.nestedKey ?? [this.key];
  }

  /** The parsed value (NaN/±Infinity included); throws SyntaxError when value_json is not JSON. */
  value(): unknown {
    if (this.text === undefined) {
      const number = parseAnyJsonNumberBytes(this.src, this.start, this.end);
      if (number !== undefined) return number;
    }
    return parseValueJson(this.valueJson);
  }

  toJSON(): {key: string; nestedKey: string[] | null; valueJson: string} {
    return {key: this.key, nestedKey: this.nestedKey, valueJson: this.valueJson};
  }
}

export interface ItemChanges {
  update: Item[];
  remove: Item[];
}

/**
 * Item keys repeat on every row, so they are interned: the same string object comes back for the same
 * bytes. That skips a native UTF-8 decode per key and, more importantly, V8's re-internalization of a
 * fresh string each time it is used as a property name when rows are built. Rows also tend to repeat
 * the previous row's key order, so the key last seen at the same item position is tried first (one
 * byte comparison, no hashing). ASCII keys up to 128 bytes only; the hash cache is cleared when it
 * reaches KEY_CACHE_MAX entries, so memory stays bounded.
 */
const keyCache = new Map<number, string>();
const KEY_CACHE_MAX = 16384;
const byPosition: Array<string | undefined> = [];
const MAX_POSITIONS = 4096;

function sameAscii(key: string, buf: Uint8Array, start: number, len: number): boolean {
  if (key.length !== len) return false;
  for (let i = 0; i < len; i++) if (key.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** A length-prefixed key string; `position` is the item's index in its record (-1: no guess). */
function readKey(r: Reader, position: number): string {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new RangeError("string overruns its message");
  const buf = r.buf as Buffer;
  r.pos = end;
  const guess = position >= 0 ? byPosition[position] : undefined;
  if (guess !== undefined && sameAscii(guess, buf, start, len)) return guess;
  if (len > 128) return buf.toString("utf8", start, end);
  let hash = 0x811c9dc5 ^ len;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b >= 0x80) return buf.toString("utf8", start, end);
    hash = Math.imul(hash ^ b, 16777619);
  }
  let key = keyCache.get(hash);
  if (key === undefined || !sameAscii(key, buf, start, len)) {
    key = buf.toString("latin1", start, end);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(hash, key);
  }
  if (position >= 0) byPosition[position] = key;
  return key;
}

/** Items are the hot path (every history value), so this loop avoids closures. */
export function decodeItem(r: Reader, position = -1): Item {
  const slot = position < MAX_POSITIONS ? position : -1;
  const end = subEnd(r);
  let key = "";
  let nestedKey: string[] | null = null;
  let components = 0; // nested_key components seen; when > 0 they replace the flat key
  let valueStart = 0;
  let valueEnd = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const flat = readKey(r, slot);
      if (components === 0) key = flat;
    } else if (tag === 0x12) {
      const part = readKey(r, components === 0 ? slot : -1);
      if (components === 0) key = part;
      else if (components === 1) nestedKey = [key, part];
      else nestedKey!.push(part);
      components++;
    } else if (tag === 0x82) {
      // field 16 (value_json), wire type 2: tag varint 0x82 0x01
      const len = r.uint32();
      valueStart = r.pos;
      valueEnd = valueStart + len;
      if (valueEnd > end) throw new RangeError("value_json overruns its item");
      r.pos = valueEnd;
    } else r.skipType(tag & 7, 0, tag >>> 3);
  }
  if (r.pos !== end) throw new RangeError("item overruns its length");
  return new Item(key, nestedKey, r.buf as Buffer, valueStart, valueEnd);
}

export function decodeItemChanges(r: Reader, end: number): ItemChanges {
  const update: Item[] = [];
  const remove: Item[] = [];
  forEachField(r, end, (f, wt) => {
    if (wt !== 2 || (f !== 1 && f !== 2)) return false;
    (f === 1 ? update : remove).push(decodeItem(r));
    return true;
  });
  return {update, remove};
}
