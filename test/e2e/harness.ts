// Shared helpers for the browser end-to-end tests and the site benchmark:
// build the Framework site, serve dist/ from a tiny loopback static server, drive Debian Chromium
// through playwright-core, and record every request / console error / page error of a page.
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {readFile, stat} from "node:fs/promises";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {extname, join, resolve, sep} from "node:path";
import {fileURLToPath} from "node:url";
import {chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page, type Request} from "playwright-core";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const CHROMIUM_PATH = process.env.RUNLENS_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

export interface BuildResult {
  /** wall time of the build command, milliseconds */
  ms: number;
  /** stdout + stderr, interleaved in arrival order */
  output: string;
  /** the output directory */
  dist: string;
  /** true when the build ran in a network namespace without any network (`unshare -n`) */
  offline: boolean;
}

let unshareWorks: boolean | undefined;

/**
 * Can this process run a command without network access (`unshare -n`, needs root or user
 * namespaces)? Then builds run truly offline and any download attempt fails the build.
 */
export function canRunOffline(): boolean {
  if (unshareWorks === undefined) {
    const result = spawnSync("unshare", ["-n", "true"], {stdio: "ignore"});
    unshareWorks = result.status === 0;
  }
  return unshareWorks;
}

/**
 * Run the site build (default `npm run build` in the repo root) and return its wall time and log.
 * `offline: true` runs it under `unshare -n` (no network at all); rejects with the full log when
 * the command fails.
 */
export async function buildSite({
  cwd = REPO_ROOT,
  command = "npm",
  args = ["run", "build"],
  dist = join(cwd, "dist"),
  env = {},
  offline = false
}: {cwd?: string; command?: string; args?: string[]; dist?: string; env?: Record<string, string>; offline?: boolean} = {}): Promise<BuildResult> {
  if (offline) {
    if (!canRunOffline()) throw new Error("buildSite({offline: true}): `unshare -n` is not permitted here");
    args = ["-n", command, ...args];
    command = "unshare";
  }
  const t0 = performance.now();
  let output = "";
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    const child = spawn(command, args, {cwd, env: {...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env}, stdio: ["ignore", "pipe", "pipe"]});
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", resolvePromise);
  });
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${code}) in ${cwd}:\n${output}`);
  return {ms, output, dist, offline};
}

let sharedBuildPromise: Promise<BuildResult> | null = null;

/**
 * buildSite() once per test run, shared by every browser test file: vitest runs files in parallel
 * worker processes, and two builds writing the same dist/ at once would corrupt it. The first
 * worker to create the lock folder (keyed by the repository and the vitest main process) builds and
 * writes the result there; the others wait for it and reuse the same dist/.
 */
export function buildSiteShared(options: Parameters<typeof buildSite>[0] = {}): Promise<BuildResult> {
  return (sharedBuildPromise ??= (async () => {
    const key = `${Buffer.from(REPO_ROOT).toString("base64url").slice(-24)}-${process.ppid}`;
    const dir = join(tmpdir(), `runlens-e2e-build-${key}`);
    const resultFile = join(dir, "result.json");
    if (existsSync(dir) && Date.now() - statSync(dir).mtimeMs > 2 * 3_600_000) rmSync(dir, {recursive: true, force: true});
    let owner = false;
    try {
      mkdirSync(dir);
      owner = true;
    } catch {
      // another worker builds
    }
    if (owner) {
      try {
        const build = await buildSite(options);
        writeFileSync(resultFile, JSON.stringify({ok: true, build}));
        return build;
      } catch (error) {
        writeFileSync(resultFile, JSON.stringify({ok: false, error: String(error instanceof Error ? error.message : error)}));
        throw error;
      }
    }
    const deadline = Date.now() + 15 * 60_000;
    while (!existsSync(resultFile)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the shared site build (${dir})`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const result = JSON.parse(readFileSync(resultFile, "utf8")) as {ok: true; build: BuildResult} | {ok: false; error: string};
    if (!result.ok) throw new Error(`the shared site build failed:\n${result.error}`);
    return result.build;
  })());
}

/**
 * Signs in a build log or a dist/ tree that Framework fetched something from the internet:
 * `npm:` / `duckdb:` download lines (Framework logs each CDN download), jsDelivr / DuckDB extension
 * URLs, and the `_npm` / `_duckdb` output folders that only CDN-resolved imports create.
 */
export function findNetworkUse(build: BuildResult): string[] {
  const problems: string[] = [];
  for (const line of build.output.split("\n")) {
    if (/^\s*(npm|duckdb|jsr):\S/.test(line) || /cdn\.jsdelivr\.net|extensions\.duckdb\.org|fonts\.googleapis/.test(line)) {
      problems.push(`build log: ${line.trim()}`);
    }
  }
  for (const dir of ["_npm", "_duckdb", "_jsr"]) {
    if (existsSync(join(build.dist, dir))) problems.push(`dist/${dir}/ exists (CDN-resolved imports)`);
  }
  return problems;
}

/** All files under a directory (relative paths, "/" separated). */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".parquet": "application/vnd.apache.parquet",
  ".arrow": "application/vnd.apache.arrow.file",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2"
};

export interface StaticServer {
  /** base URL, e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  port: number;
  /** paths requested so far (for debugging) */
  requests: string[];
  close(): Promise<void>;
}

/** Serve a directory on 127.0.0.1 (random port): GET/HEAD only, no directory escape, `/x` → `/x.html`. */
export async function serveDir(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405).end();
        return;
      }
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      requests.push(url.pathname);
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith("/")) path += "index.html";
      let file = resolve(base, `.${path}`);
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end();
        return;
      }
      let info = await stat(file).catch(() => null);
      if ((!info || !info.isFile()) && !extname(file)) {
        file += ".html";
        info = await stat(file).catch(() => null);
      }
      if (!info || !info.isFile()) {
        res.writeHead(404, {"content-type": "text/plain"}).end("not found");
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": body.byteLength,
        "cache-control": "no-store"
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (error) {
      res.writeHead(500, {"content-type": "text/plain"}).end(String(error));
    }
  });
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections?.();
        server.close(() => resolvePromise());
      })
  };
}

/** Launch headless Debian Chromium; fails loudly (never skips) when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need Debian's chromium ` +
        `(apt-get install -y chromium) or RUNLENS_CHROMIUM=/path/to/chrome; without it the browser suite fails (it is never skipped).`
    );
  }
  return chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true});
}

export interface PageRecord {
  context: BrowserContext;
  page: Page;
  /** every request URL the page made (including workers and data: URLs) */
  requests: string[];
  /** console messages of type "error" */
  consoleErrors: string[];
  /** uncaught exceptions / unhandled rejections */
  pageErrors: string[];
  /** requests to a host other than 127.0.0.1 (data:/blob: URLs are local and not counted) */
  foreignRequests(): string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context + page that records requests and errors. Requests to any host other than
 * 127.0.0.1 are recorded and then aborted, so an accidental CDN dependency fails instead of hanging.
 */
export async function openPage(browser: Browser, {viewport = {width: 1280, height: 900}} = {}): Promise<PageRecord> {
  const context = await browser.newContext({viewport, serviceWorkers: "block"});
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  await context.route(
    (url) => !isLocal(url.href),
    (route) => route.abort("blockedbyclient")
  );
  context.on("request", (request: Request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url}:${message.location().lineNumber})`);
  });
  page.on("pageerror", (error) => pageErrors.push(String(error?.stack ?? error)));
  return {
    context,
    page,
    requests,
    consoleErrors,
    pageErrors,
    foreignRequests: () => requests.filter((url) => !isLocal(url)),
    close: () => context.close()
  };
}

/** true for http(s)://127.0.0.1 URLs and for data:/blob:/about: URLs (never leave the machine). */
export function isLocal(href: string): boolean {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.protocol === "data:" || url.protocol === "blob:" || url.protocol === "about:") return true;
  return (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "ws:") && url.hostname === "127.0.0.1";
}

/**
 * Script for `context.addInitScript`: records `performance.now()` (ms since navigation start) when
 * the first element matching `selector` that contains an <svg> appears, in `window.__firstChartMs`.
 */
export function firstChartProbe(selector: string): string {
  return `(() => {
  const selector = ${JSON.stringify(selector)};
  const check = () => {
    if (window.__firstChartMs !== undefined) return true;
    const hit = document.querySelector(selector + " svg");
    if (hit) { window.__firstChartMs = performance.now(); return true; }
    return false;
  };
  const start = () => {
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.documentElement, {childList: true, subtree: true});
  };
  if (document.documentElement) start(); else document.addEventListener("readystatechange", start, {once: true});
})();`;
}

/** Wait until a page-level condition holds, with a useful message on timeout. */
export async function waitForCount(page: Page, selector: string, expected: number, timeout = 30_000): Promise<number> {
  try {
    await page.waitForFunction(
      ([s, n]) => document.querySelectorAll(s as string).length === n,
      [selector, expected] as const,
      {timeout}
    );
  } catch {
    // fall through: report the actual count
  }
  return page.locator(selector).count();
}
