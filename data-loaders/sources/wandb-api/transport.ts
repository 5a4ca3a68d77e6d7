import {Agent as HttpAgent, request as httpRequest, type IncomingMessage} from "node:http";
import {Agent as HttpsAgent, request as httpsRequest} from "node:https";
import {promisify} from "node:util";
import {brotliDecompress, gunzip, inflate} from "node:zlib";

/** What the GraphQL client needs from an HTTP stack: one POST, status, a header, the whole body as text. */
export interface TransportResponse {
  status: number;
  header(name: string): string | null;
  text(): Promise<string>;
  /**
   * The whole (decompressed) body as bytes, instead of `text()`: lets a caller decode a large body piecewise.
   * Optional; read the body once, with either method.
   */
  bytes?(): Promise<Buffer>;
}

export interface TransportRequest {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export type Transport = (url: string, request: TransportRequest) => Promise<TransportResponse>;

/** A Transport over a WHATWG fetch (Node's global fetch = undici, or any injected one). */
export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): Transport {
  return async (url, {headers, body, signal}) => {
    const response = await fetchImpl(url, {method: "POST", headers, body, signal});
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      text: () => response.text(),
      bytes: async () => Buffer.from(await response.arrayBuffer())
    };
  };
}

const decompressors: Record<string, (buffer: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress)
};

/** Read a whole response body; a connection that closes before the end rejects (ECONNRESET-like). */
function readBody(response: IncomingMessage, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => {
      response.destroy();
      fail(Object.assign(new Error("request aborted"), {name: "AbortError"}));
    };
    signal.addEventListener("abort", onAbort, {once: true});
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("aborted", () => fail(Object.assign(new Error("connection closed before the response ended"), {code: "ECONNRESET"})));
    response.on("error", (error) => fail(error));
    response.on("end", () => {
      if (settled) return;
      if (!response.complete) return fail(Object.assign(new Error("connection closed before the response ended"), {code: "ECONNRESET"}));
      settled = true;
      signal.removeEventListener("abort", onAbort);
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    response.on("close", () => {
      if (!response.complete) fail(Object.assign(new Error("connection closed before the response ended"), {code: "ECONNRESET"}));
    });
  });
}

/**
 * A Transport on node:http / node:https with keep-alive agents (noticeably faster than undici's fetch for
 * multi-megabyte JSON bodies). Asks for gzip/deflate/br and decompresses. Idle sockets do not keep the
 * process alive.
 */
export function nodeHttpTransport(options: {maxSockets?: number} = {}): Transport {
  const agents = {
    "http:": new HttpAgent({keepAlive: true, maxSockets: options.maxSockets ?? 16}),
    "https:": new HttpsAgent({keepAlive: true, maxSockets: options.maxSockets ?? 16})
  };
  return (url, {headers, body, signal}) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      if (!secure && target.protocol !== "http:") return reject(new TypeError(`unsupported protocol ${target.protocol}`));
      const payload = Buffer.from(body);
      const send = secure ? httpsRequest : httpRequest;
      const request = send(
        target,
        {
          method: "POST",
          agent: agents[secure ? "https:" : "http:"],
          headers: {...headers, "Accept-Encoding": "gzip, deflate, br", "Content-Length": String(payload.length)},
          signal
        },
        (response) => {
          const bodyPromise = readBody(response, signal);
          bodyPromise.catch(() => {}); // surfaced by text() / bytes()
          const bytes = async (): Promise<Buffer> => {
            const raw = await bodyPromise;
            const encoding = String(response.headers["content-encoding"] ?? "").trim().toLowerCase();
            if (!encoding || encoding === "identity") return raw;
            const decompress = decompressors[encoding];
            if (!decompress) throw new Error(`unsupported content-encoding ${encoding}`);
            return decompress(raw);
          };
          resolve({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
            bytes,
            text: async () => (await bytes()).toString("utf8")
          });
        }
      );
      request.on("error", reject);
      request.end(payload);
    });
}
