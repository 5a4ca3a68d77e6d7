/**
 * JSON as the wandb SDK writes it: standard JSON plus bare `NaN`, `Infinity` and `-Infinity` tokens
 * (Python's `json.dumps` default, wandb-core's "extended JSON"). Tokens inside strings are left alone.
 */
const STRING_OR_SPECIAL = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const SENTINEL = "\u0000runlens:";

function reviveSpecial(_key: string, value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(SENTINEL)) {
    const token = value.slice(SENTINEL.length);
    return token === "NaN" ? NaN : token === "-Infinity" ? -Infinity : Infinity;
  }
  return value;
}

export function parsePythonJson(text: string): unknown {
  // Fast path: no special token anywhere (most lines), plain JSON.parse.
  if (!/NaN|Infinity/.test(text)) return JSON.parse(text);
  let replaced = false;
  const rewritten = text.replace(STRING_OR_SPECIAL, (match) => {
    if (match.charCodeAt(0) === 34 /* " */) return match;
    replaced = true;
    return `"\\u0000runlens:${match}"`;
  });
  return replaced ? JSON.parse(rewritten, reviveSpecial) : JSON.parse(text);
}

const QUOTED_SENTINEL = /"\\u0000runlens:(NaN|Infinity|-Infinity)"/g;

/** The inverse of parsePythonJson: JSON text with bare NaN / Infinity / -Infinity tokens for non-finite numbers. */
export function stringifyPythonJson(value: unknown): string {
  let special = false;
  const text = JSON.stringify(value, (_key, item) => {
    if (typeof item === "number" && !Number.isFinite(item)) {
      special = true;
      return `${SENTINEL}${item}`;
    }
    return item;
  });
  return special ? text.replace(QUOTED_SENTINEL, "$1") : text;
}
