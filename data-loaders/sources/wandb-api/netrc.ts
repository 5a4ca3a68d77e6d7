import {existsSync, readFileSync} from "node:fs";
import {homedir} from "node:os";
import {join} from "node:path";

export interface NetrcEntry {
  login?: string;
  password?: string;
  account?: string;
}

/**
 * Parse a netrc file (the format `wandb login` writes: `machine api.wandb.ai\n  login user\n  password KEY`).
 * Tokens are whitespace-separated; `default` is an entry for any machine; `macdef` bodies (up to an empty
 * line) are skipped; `#` starts a comment at a token boundary. Returns machine → entry ("" for default).
 */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const entries = new Map<string, NetrcEntry>();
  const lines = text.split(/\r?\n/);
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const words = line.trim() === "" ? [] : line.trim().split(/\s+/);
    const comment = words.findIndex((word) => word.startsWith("#"));
    const kept = comment === -1 ? words : words.slice(0, comment);
    if (kept[0] === "macdef" || (kept.length > 0 && kept[kept.length - 2] === "macdef")) {
      // Skip the macro body: every following line up to an empty one.
      while (i + 1 < lines.length && lines[i + 1].trim() !== "") i++;
      continue;
    }
    tokens.push(...kept);
  }
  let current: NetrcEntry | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === "machine") {
      current = {};
      entries.set(tokens[++i] ?? "", current);
    } else if (token === "default") {
      current = {};
      if (!entries.has("")) entries.set("", current);
    } else if (current && (token === "login" || token === "password" || token === "account")) {
      current[token] = tokens[++i];
    }
  }
  return entries;
}

/** `$NETRC`, else `~/.netrc`, else `~/_netrc` (wandb's lookup order); null when none exists. */
export function netrcPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | null {
  if (env.NETRC) return existsSync(env.NETRC) ? env.NETRC : null;
  for (const name of [".netrc", "_netrc"]) {
    const path = join(home, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The password stored for `host` (a URL's host, port included when not the default), or null. */
export function netrcPassword(path: string, host: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const entries = parseNetrc(text);
  const entry = entries.get(host) ?? entries.get(host.replace(/:\d+$/, "")) ?? entries.get("");
  return entry?.password ?? null;
}
