/** Fault injection for the fake W&B server: random (seeded) or scripted, per request. */

export type FaultKind =
  | "rate-limit" // 429 with Retry-After
  | "server-error" // 500, 502 (HTML body) or 503
  | "drop" // headers + half the body, then the socket is destroyed
  | "reset" // socket destroyed before any response
  | "slow" // the normal response, after `slowMs`
  | "malformed" // 200 with a truncated JSON body (storage: a clean but short body)
  | "corrupt"; // storage downloads only: the full body with one byte flipped (never picked at random unless listed in kinds)

export const ALL_FAULTS: FaultKind[] = ["rate-limit", "server-error", "drop", "reset", "slow", "malformed"];

export interface FaultOptions {
  /** Probability that a request gets a fault. */
  rate: number;
  kinds?: FaultKind[];
  seed?: number;
  /** Only these operations get faults (default: all). */
  operations?: string[];
  /** At most this many faults in a row for the same request body (so retries always get through). Default 3. */
  maxConsecutive?: number;
  /** Retry-After header of rate-limit faults (seconds or an HTTP date). Default "0". null = no header. */
  retryAfter?: string | null;
  /** Delay of slow faults. Default 200 ms. */
  slowMs?: number;
}

/** mulberry32: a tiny seeded PRNG, so a fault storm is reproducible for a given request order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScriptedFault {
  kind: FaultKind;
  /** Only a request of this operation consumes the entry (default: the next request). */
  operation?: string;
  retryAfter?: string | null;
  slowMs?: number;
  status?: number;
  /** Only a request whose target (storage: the artifact file path) contains this string consumes the entry. */
  target?: string;
  /** drop: bytes of the body sent before the socket is destroyed; corrupt: offset (in the body) of the flipped byte. Default: half the body. */
  atByte?: number;
}

export interface FaultDecision {
  kind: FaultKind;
  retryAfter: string | null;
  slowMs: number;
  status: number;
  atByte: number | null;
}

export class FaultPlan {
  #random: FaultOptions | null = null;
  #rng: () => number = Math.random;
  #script: Array<ScriptedFault | null> = [];
  readonly #consecutive = new Map<string, number>();

  setRandom(options: FaultOptions | null): void {
    this.#random = options;
    this.#rng = seededRandom(options?.seed ?? 1);
    this.#consecutive.clear();
  }

  /** Faults consumed in order; `null` entries let one request through untouched. */
  setScript(script: Array<ScriptedFault | FaultKind | null>): void {
    this.#script = script.map((entry) => (typeof entry === "string" ? {kind: entry} : entry));
  }

  get scriptLeft(): number {
    return this.#script.length;
  }

  decide(operation: string, body: string, target?: string): FaultDecision | null {
    const index = this.#script.findIndex(
      (entry) =>
        entry === null ||
        ((entry.operation === undefined || entry.operation === operation) && (entry.target === undefined || (target !== undefined && target.includes(entry.target))))
    );
    if (index !== -1) {
      const [entry] = this.#script.splice(index, 1);
      if (entry === null) return null;
      return this.#decision(entry.kind, entry);
    }
    const random = this.#random;
    if (!random || (random.operations && !random.operations.includes(operation))) return null;
    const roll = this.#rng();
    const pick = this.#rng();
    const seen = this.#consecutive.get(body) ?? 0;
    if (roll >= random.rate || seen >= (random.maxConsecutive ?? 3)) {
      this.#consecutive.delete(body);
      return null;
    }
    this.#consecutive.set(body, seen + 1);
    const kinds = random.kinds ?? ALL_FAULTS;
    return this.#decision(kinds[Math.floor(pick * kinds.length)], {});
  }

  #decision(kind: FaultKind, entry: Partial<ScriptedFault>): FaultDecision {
    const defaults = this.#random;
    const statuses = [500, 502, 503];
    return {
      kind,
      retryAfter: entry.retryAfter !== undefined ? entry.retryAfter : defaults?.retryAfter !== undefined ? defaults.retryAfter : "0",
      slowMs: entry.slowMs ?? defaults?.slowMs ?? 200,
      status: entry.status ?? statuses[Math.floor(this.#rng() * statuses.length)],
      atByte: entry.atByte ?? null
    };
  }
}
