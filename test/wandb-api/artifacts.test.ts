import {spawn} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync} from "node:fs";
import {join, relative, resolve, sep} from "node:path";
import {inspect} from "node:util";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {artifactsCommand, describeProgress} from "../../data-loaders/cli/artifacts.js";
import {
  ArtifactDownloadError,
  ArtifactError,
  entryTarget,
  globToRegExp,
  manifestDigest,
  md5FileBase64,
  parseArtifactPath,
  partFiles,
  pathFilter,
  WandbApi,
  type ArtifactProgress
} from "../../data-loaders/sources/wandb-api/index.js";
import {GROKKING_RESULTS_DIR, grokkingArtifacts, startFakeWandb, type FakeWandb, type FakeWandbOptions} from "../fake-wandb/server.js";
import {tempDir as makeTempDir} from "../helpers/run-dir.js";
import {ENTITY, FAST_RETRY, PROJECT, sampleRunIds} from "./helpers.js";

const REPO = resolve(import.meta.dirname, "../..");
const SEED0 = join(GROKKING_RESULTS_DIR, "model_p59_seed0");
const ART = `${ENTITY}/${PROJECT}/grokking-p59`;
const LOGGER_RUN = sampleRunIds()[0];

/** Temp folders of this file (≈ 26 MB per full download), removed at the end. */
const made: string[] = [];
function tempDir(): string {
  const dir = makeTempDir("runlens-artifacts-");
  made.push(dir);
  return dir;
}

/** Relative paths ("/"-separated) of every file under a folder. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, {withFileTypes: true})) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  visit(dir);
  return out.sort();
}

const SOURCE_FILES = walk(SEED0);
const SOURCE_BYTES = SOURCE_FILES.reduce((sum, file) => sum + statSync(join(SEED0, file)).size, 0);

/** Paths whose bytes differ from the original folder (missing, extra or different). */
function differences(dir: string, source = SEED0): string[] {
  const got = walk(dir);
  const want = walk(source);
  const bad = [...got.filter((f) => !want.includes(f)).map((f) => `extra ${f}`), ...want.filter((f) => !got.includes(f)).map((f) => `missing ${f}`)];
  for (const file of want.filter((f) => got.includes(f))) if (!readFileSync(join(dir, file)).equals(readFileSync(join(source, file)))) bad.push(`differs ${file}`);
  return bad;
}

function fileRequests(fake: FakeWandb, match: string) {
  return fake.stats.storage.filter((r) => r.operation === "ArtifactFileDownload" && r.file.includes(match));
}

function makeApi(fake: FakeWandb, extra: Partial<ConstructorParameters<typeof WandbApi>[0]> = {}): WandbApi {
  return new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, retry: FAST_RETRY, timeoutMs: 5000, ...extra});
}

async function withFake<T>(options: FakeWandbOptions, fn: (fake: FakeWandb, api: WandbApi) => Promise<T>): Promise<T> {
  const fake = await startFakeWandb({artifacts: grokkingArtifacts(LOGGER_RUN), ...options});
  try {
    return await fn(fake, makeApi(fake));
  } finally {
    await fake.stop();
  }
}

function capture(isTTY = false) {
  let text = "";
  return {
    stream: {write: (chunk: string) => ((text += chunk), true), isTTY},
    get text() {
      return text;
    }
  };
}

describe("artifacts: resolve, list, manifest", () => {
  let fake: FakeWandb;
  let api: WandbApi;
  beforeAll(async () => {
    fake = await startFakeWandb({artifacts: grokkingArtifacts(LOGGER_RUN)});
    api = makeApi(fake);
  });
  afterAll(() => fake.stop());

  it("resolves name:latest and name:v0 to the same version, with the folder's file count and size", async () => {
    const latest = await api.artifact(`${ART}:latest`);
    const v0 = await api.artifact(`${ART}:v0`);
    expect(v0.id).toBe(latest.id);
    expect(latest).toMatchObject({entity: ENTITY, project: PROJECT, name: "grokking-p59", version: "v0", versionIndex: 0, aliases: ["latest"], type: "model", state: "COMMITTED"});
    expect(latest.qualifiedName).toBe(`${ART}:v0`);
    expect(latest.fileCount).toBe(SOURCE_FILES.length);
    expect(latest.size).toBe(SOURCE_BYTES);
    // No alias = latest; project/name with WANDB_ENTITY; entity from the viewer when nothing is set.
    expect((await api.artifact(ART)).id).toBe(latest.id);
    const scoped = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {WANDB_ENTITY: ENTITY, WANDB_PROJECT: PROJECT}, retry: FAST_RETRY});
    expect((await scoped.artifact("grokking-p59:v0")).id).toBe(latest.id);
    expect((await api.artifact(`${PROJECT}/grokking-p59:latest`)).id).toBe(latest.id); // fake viewer entity = fp8-lab
  });

  it("a missing alias, version, collection or project is a clear not-found error naming what was asked for", async () => {
    for (const [path, fragment] of [
      [`${ART}:best`, 'no artifact "grokking-p59" with version or alias "best"'],
      [`${ART}:v7`, 'version or alias "v7"'],
      [`${ENTITY}/${PROJECT}/no-such-artifact:latest`, 'no artifact "no-such-artifact"'],
      [`${ENTITY}/no-such-project/grokking-p59:v0`, "no-such-project"]
    ]) {
      const error = await api.artifact(path).catch((e) => e);
      expect(error, path).toBeInstanceOf(ArtifactError);
      expect(error.kind).toBe("not-found");
      expect(error.code).toBe("not-found");
      expect(error.message).toContain(path.split(":")[0]);
      expect(error.message).toContain(fragment);
    }
    expect(() => parseArtifactPath("a/b/c/d:v0")).toThrow(/ENTITY\/PROJECT\/NAME:ALIAS/);
    expect(() => parseArtifactPath("name:v0")).toThrow(/no project/);
    expect(parseArtifactPath("e/p/n")).toEqual({entity: "e", project: "p", name: "n", alias: "latest"});
    expect(parseArtifactPath("e/p/artifacts/model/n/v3")).toEqual({entity: "e", project: "p", name: "n", alias: "v3"});
  });

  it("lists the artifacts a run logged (RunOutputArtifacts) and used (RunInputArtifacts)", async () => {
    const logged = await api.runArtifacts(ENTITY, PROJECT, LOGGER_RUN);
    expect(logged.map((a) => a.qualifiedName)).toEqual([`${ART}:v0`, `${ENTITY}/${PROJECT}/grokking-p59-seed1:v0`]);
    expect(logged[0].aliases).toEqual(["latest"]);
    expect(await api.runArtifacts(ENTITY, PROJECT, LOGGER_RUN, {direction: "input"})).toEqual([]);
    expect(await api.runArtifacts(ENTITY, PROJECT, sampleRunIds()[1])).toEqual([]);
    const error = await api.runArtifacts(ENTITY, PROJECT, "nosuchrun").catch((e) => e);
    expect(error.kind).toBe("not-found");
    expect(error.message).toContain("nosuchrun");
  });

  it("the manifest lists every file with its size and base64 MD5, and hashes to the artifact digest", async () => {
    const artifact = await api.artifact(`${ART}:v0`);
    const manifest = await api.artifactManifest(artifact);
    expect(manifest.entries.map((e) => e.path)).toEqual(SOURCE_FILES);
    for (const entry of manifest.entries) {
      const bytes = readFileSync(join(SEED0, entry.path));
      expect(entry.size).toBe(bytes.length);
      expect(entry.digest).toBe(createHash("md5").update(bytes).digest("base64"));
    }
    expect(await md5FileBase64(join(SEED0, "config.json"))).toBe(manifest.entries.find((e) => e.path === "config.json")!.digest);
    expect(manifestDigest(manifest)).toBe(artifact.digest);
  });
});

describe("artifacts: download", () => {
  it("downloads the grokking model folder byte for byte, in its results layout, with no credentials on storage URLs", async () => {
    await withFake({}, async (fake, api) => {
      const dir = join(tempDir(), "model_p59_seed0");
      const events: ArtifactProgress[] = [];
      const result = await api.downloadArtifact(`${ART}:latest`, dir, {concurrency: 4, onProgress: (p) => events.push(p)});
      expect(differences(dir)).toEqual([]);
      expect(await partFiles(dir)).toEqual([]);
      expect(existsSync(join(dir, "checkpoints", "checkpoint_epoch_28300.safetensors"))).toBe(true);
      expect(result).toMatchObject({downloaded: SOURCE_FILES.length, present: 0, resumed: 0, bytesTotal: SOURCE_BYTES, bytesTransferred: SOURCE_BYTES, requests: SOURCE_FILES.length, retries: 0, digestMismatches: 0, warnings: []});
      expect(result.files.map((f) => f.path)).toEqual(SOURCE_FILES);
      // Exactly one GET per file, one for the manifest; storage GETs carry no Authorization, GraphQL ones do.
      expect(fake.stats.byOperation.ArtifactFileDownload).toBe(SOURCE_FILES.length);
      expect(fake.stats.byOperation.ArtifactManifestDownload).toBe(1);
      expect(fake.stats.storage.filter((r) => r.authorization)).toEqual([]);
      expect(fake.stats.storage.every((r) => r.range === null)).toBe(true);
      expect(fake.stats.unauthorized).toBe(0);
      expect(fake.stats.basicUsers).toEqual(["api"]);
      expect(fake.stats.maxInFlight).toBeLessThanOrEqual(4);
      // Progress: monotone bytes, ends at the total.
      const last = events.at(-1)!;
      expect(last).toMatchObject({event: "done", filesDone: SOURCE_FILES.length, filesTotal: SOURCE_FILES.length, bytesDone: SOURCE_BYTES});
      for (let i = 1; i < events.length; i++) expect(events[i].bytesDone).toBeGreaterThanOrEqual(events[i - 1].bytesDone);
    });
  });

  it("never sends the key to storage: every request through the injected fetch to a storage URL has no Authorization and no key", async () => {
    await withFake({}, async (fake) => {
      const seen: Array<{url: string; headers: Record<string, string>}> = [];
      const spy: typeof fetch = (input, init) => {
        const headers: Record<string, string> = {};
        new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
        seen.push({url: String(input), headers});
        return fetch(input, init);
      };
      const api = makeApi(fake, {fetch: spy});
      await api.downloadArtifact(`${ART}:v0`, tempDir(), {filter: "*.json"});
      const storage = seen.filter((r) => r.url.includes("/storage/"));
      expect(storage.length).toBe(3); // manifest + config.json + metadata.json
      const basic = Buffer.from(`api:${fake.apiKey}`).toString("base64");
      for (const request of storage) {
        expect(request.headers.authorization).toBeUndefined();
        expect(JSON.stringify(request)).not.toContain(fake.apiKey);
        expect(JSON.stringify(request)).not.toContain(basic);
      }
      expect(seen.filter((r) => r.url.endsWith("/graphql")).every((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
    });
  });

  it("filters by glob: '*.npz' → the analysis outputs only; 'checkpoints/*_2????.safetensors' → the epoch ≥ 20000 checkpoints", async () => {
    await withFake({}, async (_fake, api) => {
      const dir = tempDir();
      const npz = await api.downloadArtifact(`${ART}:v0`, dir, {filter: "*.npz"});
      expect(npz.files.map((f) => f.path)).toEqual(["artifacts/fourier_coefficients.npz", "artifacts/neuron_activations.npz", "artifacts/neuron_freq_norm.npz"]);
      const late = await api.downloadArtifact(`${ART}:v0`, dir, {filter: ["checkpoints/*_2????.safetensors"]});
      expect(late.files.map((f) => f.path.slice(-17, -12))).toEqual(["20200", "21000", "21500", "21800", "22200", "22700", "23100", "25300", "26000", "26800", "27500", "28300"]);
      expect(walk(dir)).toHaveLength(15);
    });
    const match = pathFilter(["**/*.{json,jsonl}"]);
    expect(["config.json", "metrics.jsonl", "a/b/x.json", "x.npz"].map(match)).toEqual([true, true, true, false]);
    expect(globToRegExp("checkpoints/*.safetensors").test("checkpoints/sub/x.safetensors")).toBe(false);
    expect(pathFilter("epoch_000?0*")("checkpoints/checkpoint_epoch_00010.safetensors")).toBe(false); // basename only
  });

  it("a file already present and correct is not downloaded again; missing, damaged and stale-.part files are", async () => {
    await withFake({}, async (fake, api) => {
      const dir = tempDir();
      await api.downloadArtifact(`${ART}:v0`, dir);
      unlinkSync(join(dir, "metrics.jsonl"));
      const damaged = join(dir, "checkpoints", "checkpoint_epoch_01000.safetensors");
      const bytes = readFileSync(damaged);
      bytes[5000] ^= 1;
      writeFileSync(damaged, bytes); // same size, wrong digest
      writeFileSync(join(dir, "config.json"), "{}"); // wrong size
      // A stale .part longer than the file: dropped and downloaded from the start.
      unlinkSync(join(dir, "metadata.json"));
      writeFileSync(join(dir, "metadata.json.part"), Buffer.alloc(10_000, 1));
      fake.resetStats();
      const again = await api.downloadArtifact(`${ART}:v0`, dir);
      expect(fake.stats.byOperation.ArtifactFileDownload).toBe(4);
      expect(fake.stats.storage.filter((r) => r.operation === "ArtifactFileDownload").map((r) => r.file).sort()).toEqual([
        "checkpoints/checkpoint_epoch_01000.safetensors",
        "config.json",
        "metadata.json",
        "metrics.jsonl"
      ]);
      expect(again).toMatchObject({present: SOURCE_FILES.length - 4, downloaded: 4});
      expect(differences(dir)).toEqual([]);
      expect(await partFiles(dir)).toEqual([]);
      // Third run: nothing to fetch at all (only the GraphQL lookups + the manifest).
      fake.resetStats();
      const third = await api.downloadArtifact(`${ART}:v0`, dir);
      expect(third).toMatchObject({present: SOURCE_FILES.length, downloaded: 0, bytesTransferred: 0, requests: 0});
      expect(fake.stats.byOperation.ArtifactFileDownload).toBeUndefined();
    });
  });

  it("dropped connections mid-file: resumed with Range requests from the bytes already on disk, identical, no .part left", async () => {
    const target = "checkpoint_epoch_00100.safetensors";
    await withFake(
      {
        script: [
          {kind: "drop", operation: "ArtifactFileDownload", target, atByte: 300_000},
          {kind: "drop", operation: "ArtifactFileDownload", target, atByte: 200_000},
          {kind: "drop", operation: "ArtifactFileDownload", target: "neuron_activations.npz", atByte: 1_000_000},
          {kind: "reset", operation: "ArtifactFileDownload", target: "metrics.jsonl"}
        ]
      },
      async (fake, api) => {
        const dir = tempDir();
        const result = await api.downloadArtifact(`${ART}:v0`, dir, {concurrency: 3});
        expect(differences(dir)).toEqual([]);
        expect(await partFiles(dir)).toEqual([]);
        const requests = fileRequests(fake, target);
        expect(requests.map((r) => r.fault)).toEqual(["drop", "drop", null]);
        expect(requests[0].range).toBeNull();
        // Resumed from what had reached the disk (≤ what the server sent), never from zero.
        const from1 = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? "")?.[1]);
        const from2 = Number(/^bytes=(\d+)-$/.exec(requests[2].range ?? "")?.[1]);
        expect(from1).toBeGreaterThan(0);
        expect(from1).toBeLessThanOrEqual(300_000);
        expect(from2).toBeGreaterThan(from1);
        expect(from2).toBeLessThanOrEqual(from1 + 200_000);
        expect(requests.map((r) => r.status)).toEqual([200, 206, 206]);
        const npz = fileRequests(fake, "neuron_activations.npz");
        expect(npz).toHaveLength(2);
        expect(npz[1].range).toMatch(/^bytes=[1-9]\d*-$/);
        expect(fileRequests(fake, "metrics.jsonl")).toHaveLength(2);
        expect(result.retries).toBe(4);
        // Bytes over the wire: at most what the server sent in total.
        const served = fake.stats.storage.filter((r) => r.operation === "ArtifactFileDownload").reduce((sum, r) => sum + r.bytes, 0);
        expect(result.bytesTransferred).toBeLessThanOrEqual(served);
        expect(served).toBeLessThan(SOURCE_BYTES + 855_196 + 2_371_704);
      }
    );
  });

  it("a server that ignores Range (always 200): the interrupted file is restarted from zero and still ends identical", async () => {
    const target = "neuron_freq_norm.npz";
    await withFake({storageRanges: false, script: [{kind: "drop", operation: "ArtifactFileDownload", target, atByte: 700_000}]}, async (fake, api) => {
      const dir = tempDir();
      await api.downloadArtifact(`${ART}:v0`, dir, {filter: "*.npz"});
      expect(differences(join(dir, "artifacts"), join(SEED0, "artifacts"))).toEqual([]);
      const requests = fileRequests(fake, target);
      expect(requests.map((r) => [r.status, r.range === null ? null : "range"])).toEqual([[200, null], [200, "range"]]);
      expect(requests[1].bytes).toBe(1_550_818); // the whole file again
      expect(await partFiles(dir)).toEqual([]);
    });
  });

  it("429 (Retry-After) and 5xx on storage are retried; a file that keeps failing fails alone with a clear message", async () => {
    await withFake(
      {
        script: [
          {kind: "rate-limit", operation: "ArtifactFileDownload", target: "config.json", retryAfter: "0"},
          {kind: "server-error", operation: "ArtifactFileDownload", target: "config.json", status: 503},
          {kind: "server-error", operation: "ArtifactFileDownload", target: "metadata.json", status: 502}
        ]
      },
      async (fake, api) => {
        const dir = tempDir();
        const result = await api.downloadArtifact(`${ART}:v0`, dir, {filter: "*.json"});
        expect(result.retries).toBe(3);
        expect(fileRequests(fake, "config.json").map((r) => r.status)).toEqual([429, 503, 200]);
        expect(readFileSync(join(dir, "config.json")).equals(readFileSync(join(SEED0, "config.json")))).toBe(true);
        // Persistent 500 on one file: gives up after maxRetries attempts without progress; the others complete.
        fake.script(Array.from({length: 20}, () => ({kind: "server-error" as const, operation: "ArtifactFileDownload", target: "metrics.jsonl", status: 500})));
        const dir2 = tempDir();
        const error = await api.downloadArtifact(`${ART}:v0`, dir2, {retry: {...FAST_RETRY, maxRetries: 3}}).catch((e) => e);
        expect(error).toBeInstanceOf(ArtifactDownloadError);
        expect(error.failures.map((f: {path: string}) => f.path)).toEqual(["metrics.jsonl"]);
        expect(error.message).toContain("1 of 32 files");
        expect(error.message).toMatch(/metrics\.jsonl: download of metrics\.jsonl from http:\/\/127\.0\.0\.1:\d+\/storage\/files\/[^?\s]+ failed with HTTP 500 \(gave up after 4 attempts without progress\)/);
        expect(error.message).not.toContain("X-Signature");
        expect(error.result.downloaded).toBe(31);
        expect(existsSync(join(dir2, "metrics.jsonl"))).toBe(false);
      }
    );
  });

  it("a corrupted byte served once is caught by the MD5 check and the file is downloaded again; corrupted every time → digest error", async () => {
    await withFake({script: [{kind: "corrupt", operation: "ArtifactFileDownload", target: "checkpoint_epoch_05400", atByte: 123_456}]}, async (fake, api) => {
      const dir = tempDir();
      const events: ArtifactProgress[] = [];
      const result = await api.downloadArtifact(`${ART}:v0`, dir, {onProgress: (p) => events.push(p)});
      expect(result.digestMismatches).toBe(1);
      expect(events.filter((e) => e.event === "digest-mismatch").map((e) => [e.path, e.message])).toEqual([
        ["checkpoints/checkpoint_epoch_05400.safetensors", expect.stringMatching(/^downloaded content has MD5 \S+ instead of \S+; downloading it again$/)]
      ]);
      expect(fileRequests(fake, "checkpoint_epoch_05400").map((r) => r.fault)).toEqual(["corrupt", null]);
      expect(differences(dir)).toEqual([]);

      fake.script(Array.from({length: 3}, () => ({kind: "corrupt" as const, operation: "ArtifactFileDownload", target: "metadata.json"})));
      const dir2 = tempDir();
      const error = await api.downloadArtifact(`${ART}:v0`, dir2, {filter: "*.json", digestRetries: 2}).catch((e) => e);
      expect(error).toBeInstanceOf(ArtifactDownloadError);
      expect(error.failures).toEqual([{path: "metadata.json", message: expect.stringMatching(/^metadata\.json: downloaded content has MD5 \S+ instead of \S+ \(3 downloads, all wrong\)$/)}]);
      expect(fileRequests(fake, "metadata.json").slice(-3).map((r) => r.fault)).toEqual(["corrupt", "corrupt", "corrupt"]);
      expect(existsSync(join(dir2, "metadata.json"))).toBe(false);
      expect(await partFiles(dir2)).toEqual([]);
      expect(readFileSync(join(dir2, "config.json")).equals(readFileSync(join(SEED0, "config.json")))).toBe(true);
    });
  });

  it("a .part holding wrong bytes is resumed, fails the digest check, and is downloaded again from zero", async () => {
    await withFake({}, async (fake, api) => {
      const dir = tempDir();
      mkdirSync(join(dir, "checkpoints"), {recursive: true});
      const file = "checkpoints/checkpoint_epoch_00000.safetensors";
      writeFileSync(join(dir, `${file}.part`), Buffer.alloc(400_000, 7));
      const result = await api.downloadArtifact(`${ART}:v0`, dir, {filter: "checkpoints/checkpoint_epoch_00000.safetensors"});
      expect(result).toMatchObject({resumed: 1, digestMismatches: 1, downloaded: 1});
      expect(fileRequests(fake, "epoch_00000").map((r) => r.range)).toEqual(["bytes=400000-", null]);
      expect(readFileSync(join(dir, file)).equals(readFileSync(join(SEED0, file)))).toBe(true);
    });
  });

  it("expired presigned URLs (403 AccessDenied) are refreshed through GraphQL, not retried with credentials", async () => {
    await withFake({}, async (fake, api) => {
      const dir = tempDir();
      let expired = false;
      const result = await api.downloadArtifact(`${ART}:v0`, dir, {
        concurrency: 2,
        onProgress: (p) => {
          if (p.event === "done" && !expired) {
            expired = true;
            fake.server.expireStorageUrls();
          }
        }
      });
      expect(differences(dir)).toEqual([]);
      expect(fake.stats.byOperation.GetArtifactMembershipFileUrls).toBe(2);
      expect(fake.stats.storage.filter((r) => r.status === 403).length).toBeGreaterThanOrEqual(1);
      expect(fake.stats.storage.filter((r) => r.authorization)).toEqual([]);
      expect(result.downloaded).toBe(SOURCE_FILES.length);
    });
  });

  it("falls back to ArtifactFileUrls (by id) on a server without membership file listing, and pages the listing", async () => {
    await withFake({membershipFiles: false, maxPerPage: 10}, async (fake, api) => {
      const dir = tempDir();
      await api.downloadArtifact(`${ART}:v0`, dir);
      expect(differences(dir)).toEqual([]);
      expect(fake.stats.byOperation.GetArtifactMembershipFileUrls).toBe(1);
      expect(fake.stats.byOperation.ArtifactFileUrls).toBe(4); // 32 files, 10 per page
    });
  });

  it("progress text: files, bytes, percent, rate, ETA", () => {
    const text = describeProgress({event: "data", filesTotal: 32, filesDone: 10, filesPresent: 0, filesFailed: 0, bytesTotal: 26_272_633, bytesDone: 13_136_316, bytesTransferred: 10_000_000, elapsedMs: 2000});
    expect(text).toBe("10/32 files, 13.1 MB of 26.3 MB (49%), 5.0 MB/s, ETA 3 s");
  });

  it("rejects manifest paths that would escape the target folder", () => {
    const root = tempDir();
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "C:/x", "a/../b/../../c", ""]) {
      expect(() => entryTarget(root, bad), bad).toThrow(/outside the target folder/);
    }
    expect(entryTarget(root, "a/./b.txt")).toBe(join(root, "a", "b.txt"));
  });
});

describe("runlens artifacts (CLI)", () => {
  let fake: FakeWandb;
  beforeAll(async () => {
    fake = await startFakeWandb({artifacts: grokkingArtifacts(LOGGER_RUN)});
  });
  afterAll(() => fake.stop());
  const env = () => ({WANDB_BASE_URL: fake.url, WANDB_API_KEY: fake.apiKey});
  const basic = () => Buffer.from(`api:${fake.apiKey}`).toString("base64");

  it("get: summary and plain progress lines (non-TTY), exit 0, key never printed", async () => {
    fake.server.setStorageThrottle(2_000_000);
    const out = capture();
    const err = capture();
    const cwd = tempDir();
    try {
      const code = await artifactsCommand(["get", `${ART}:v0`, "--filter", "*.npz", "--concurrency", "2"], {stdout: out.stream, stderr: err.stream, env: env(), cwd, progressIntervalMs: 300});
      expect(code, err.text).toBe(0);
    } finally {
      fake.server.setStorageThrottle(undefined);
    }
    const dir = join(cwd, "artifacts", "grokking-p59", "v0");
    expect(differences(join(dir, "artifacts"), join(SEED0, "artifacts"))).toEqual([]);
    const lines = err.text.trim().split("\n");
    expect(lines[0]).toMatch(/^runlens: fp8-lab\/altgrad\/grokking-p59:v0 \(model, aliases latest\): 32 files, 26\.3 MB → /);
    const progress = lines.filter((line) => / files, .* of .*, .*\/s, ETA /.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(2); // ~2 s of transfer, a line every 0.3 s at most
    expect(progress.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toMatch(/^runlens: done: fp8-lab\/altgrad\/grokking-p59:v0 → .*: 3 files, 3\.9 MB \(3 downloaded, 0 already present\); 3\.9 MB received in [\d.]+ s/);
    expect(err.text + out.text).not.toContain(fake.apiKey);
    expect(err.text + out.text).not.toContain(basic());
    expect(err.text).not.toContain("\r");
  });

  it("get on a TTY redraws one progress line (\\r + erase)", async () => {
    fake.server.setStorageThrottle(3_000_000);
    const err = capture(true);
    try {
      const code = await artifactsCommand(["get", `${ART}:v0`, "--filter", "neuron_activations.npz", "--to", tempDir()], {stdout: capture().stream, stderr: err.stream, env: env()});
      expect(code).toBe(0);
    } finally {
      fake.server.setStorageThrottle(undefined);
    }
    expect(err.text).toMatch(/\r\x1b\[Krunlens: 0\/1 files, [\d.]+ [kM]B of 2\.4 MB \(\d+%\), [\d.]+ [kM]B\/s, ETA \d+ s/);
    expect(err.text).toMatch(/runlens: done: /);
  });

  it("list prints the run's artifacts; errors (missing alias, bad path, bad key) give non-zero exits and never the key", async () => {
    const out = capture();
    expect(await artifactsCommand(["list", `${ENTITY}/${PROJECT}/${LOGGER_RUN}`], {stdout: out.stream, stderr: capture().stream, env: env()})).toBe(0);
    expect(out.text.split("\n")[0]).toMatch(/^ARTIFACT\s+TYPE\s+ALIASES\s+FILES\s+SIZE\s+CREATED$/);
    expect(out.text).toMatch(/fp8-lab\/altgrad\/grokking-p59:v0\s+model\s+latest\s+32\s+26\.3 MB/);
    const json = capture();
    expect(await artifactsCommand(["list", `${ENTITY}/${PROJECT}/runs/${LOGGER_RUN}`, "--json"], {stdout: json.stream, stderr: capture().stream, env: env()})).toBe(0);
    expect(JSON.parse(json.text).map((a: {name: string}) => a.name)).toEqual(["grokking-p59", "grokking-p59-seed1"]);

    const missing = capture();
    expect(await artifactsCommand(["get", `${ART}:nope`, "--to", tempDir()], {stdout: capture().stream, stderr: missing.stream, env: env()})).toBe(1);
    expect(missing.text).toContain(`W&B artifact ${ART}:nope not found`);

    const bad = capture();
    expect(await artifactsCommand(["get", "a/b/c/d"], {stdout: capture().stream, stderr: bad.stream, env: env()})).toBe(2);
    expect(bad.text).toContain("Not an artifact path");

    const wrongKey = "k".repeat(40);
    const denied = capture();
    expect(await artifactsCommand(["get", `${ART}:v0`], {stdout: capture().stream, stderr: denied.stream, env: {...env(), WANDB_API_KEY: wrongKey}})).toBe(1);
    expect(denied.text).toMatch(/rejected the API key \(401\)/);
    for (const text of [missing.text, bad.text, denied.text, out.text, json.text]) {
      expect(text).not.toContain(fake.apiKey);
      expect(text).not.toContain(basic());
      expect(text).not.toContain(wrongKey);
    }
    const usage = capture();
    expect(await artifactsCommand(["frobnicate"], {stdout: capture().stream, stderr: usage.stream, env: env()})).toBe(2);
    expect(usage.text).toContain("usage: runlens artifacts get");
  });

  it("a failing download exits 1 with the failed files, and the error object holds no key", async () => {
    fake.script(Array.from({length: 12}, () => ({kind: "server-error" as const, operation: "ArtifactFileDownload", target: "config.json", status: 500})));
    try {
      const api = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, retry: FAST_RETRY, maxRetries: 2});
      const error = await api.downloadArtifact(`${ART}:v0`, tempDir(), {filter: "config.json"}).catch((e) => e);
      expect(error).toBeInstanceOf(ArtifactDownloadError);
      for (const text of [error.message, error.stack, JSON.stringify(error), inspect(error, {depth: 6})]) {
        expect(text).not.toContain(fake.apiKey);
        expect(text).not.toContain(basic());
      }
      // The CLI runs with the default (slow) backoff: use a non-retryable status (the object is gone from the bucket).
      fake.script([{kind: "server-error", operation: "ArtifactFileDownload", target: "config.json", status: 404}]);
      const err = capture();
      const code = await artifactsCommand(["get", `${ART}:v0`, "--filter", "config.json", "--to", tempDir()], {stdout: capture().stream, stderr: err.stream, env: env()});
      expect(code).toBe(1);
      expect(err.text).toMatch(/config\.json: download of config\.json from http:\/\/127\.0\.0\.1:\d+\/storage\/files\/\S+ failed with HTTP 404/);
      expect(err.text).toMatch(/runlens: incomplete: .*0 downloaded/);
      expect(err.text).not.toContain(fake.apiKey);
    } finally {
      fake.script([]);
    }
  });

  it("an interrupted `get` (abort, as on Ctrl-C) exits 130 keeping .part files; the re-run completes them", async () => {
    fake.server.setStorageThrottle(1_000_000);
    const dir = tempDir();
    const controller = new AbortController();
    const err = capture();
    const running = artifactsCommand(["get", `${ART}:v0`, "--filter", "*.npz", "--to", dir], {stdout: capture().stream, stderr: err.stream, env: env(), signal: controller.signal});
    setTimeout(() => controller.abort(), 600);
    try {
      expect(await running).toBe(130);
    } finally {
      fake.server.setStorageThrottle(undefined);
    }
    expect(err.text).toContain("interrupted: run the same command again to resume");
    expect((await partFiles(dir)).length).toBeGreaterThanOrEqual(1);
    const again = capture();
    expect(await artifactsCommand(["get", `${ART}:v0`, "--filter", "*.npz", "--to", dir], {stdout: capture().stream, stderr: again.stream, env: env()})).toBe(0);
    expect(again.text).toMatch(/resumed from \.part files/);
    expect(differences(join(dir, "artifacts"), join(SEED0, "artifacts"))).toEqual([]);
    expect(await partFiles(dir)).toEqual([]);
  });

  it("kill -9 in the middle of `runlens artifacts get`, then a re-run: resumes .part files with Range, skips finished files, identical", async () => {
    fake.server.setStorageThrottle(600_000);
    fake.resetStats();
    const project = tempDir();
    const dir = join(project, "results", "model_p59_seed0");
    const entry = `import {artifactsCommand} from ${JSON.stringify(join(REPO, "data-loaders/cli/artifacts.ts"))}; process.exitCode = await artifactsCommand(process.argv.slice(1));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", entry, "get", `${ART}:v0`, "--to", dir, "--concurrency", "4"], {
      cwd: REPO,
      env: {...process.env, ...env(), CI: "true"},
      stdio: ["ignore", "pipe", "pipe"]
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // Kill once some files are complete and others are half-written .part files.
    const deadline = Date.now() + 60_000;
    let parts: string[] = [];
    let done: string[] = [];
    while (Date.now() < deadline) {
      if (existsSync(dir)) {
        const files = walk(dir);
        parts = files.filter((f) => f.endsWith(".part") && statSync(join(dir, f)).size > 100_000);
        done = files.filter((f) => !f.endsWith(".part"));
        if (parts.length >= 2 && done.length >= 3) break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    fake.server.setStorageThrottle(undefined);
    expect(parts.length, stderr).toBeGreaterThanOrEqual(2);
    const left = walk(dir);
    const partsLeft = left.filter((f) => f.endsWith(".part"));
    const finished = left.filter((f) => !f.endsWith(".part"));
    expect(partsLeft.length).toBeGreaterThanOrEqual(1);
    expect(finished.length).toBeLessThan(SOURCE_FILES.length);
    // Every finished file is complete and correct (rename happens only after verification).
    for (const file of finished) expect(readFileSync(join(dir, file)).equals(readFileSync(join(SEED0, file))), file).toBe(true);
    const partSizes = Object.fromEntries(partsLeft.map((f) => [f.slice(0, -5), statSync(join(dir, f)).size]));

    fake.resetStats();
    const err = capture();
    const code = await artifactsCommand(["get", `${ART}:v0`, "--to", dir], {stdout: capture().stream, stderr: err.stream, env: env()});
    expect(code, err.text).toBe(0);
    expect(differences(dir)).toEqual([]);
    expect(await partFiles(dir)).toEqual([]);
    const requests = fake.stats.storage.filter((r) => r.operation === "ArtifactFileDownload");
    // Finished files were not requested again; every .part was resumed from its size.
    for (const file of finished) expect(requests.filter((r) => r.file === file), file).toEqual([]);
    for (const [file, size] of Object.entries(partSizes)) {
      const first = requests.find((r) => r.file === file)!;
      expect(first.range, file).toBe(size > 0 ? `bytes=${size}-` : null);
      if (size > 0) expect(first.status).toBe(206);
    }
    expect(requests).toHaveLength(SOURCE_FILES.length - finished.length);
    // A .part created just before the kill can still be empty: it is fetched whole (no Range), not "resumed".
    expect(err.text).toMatch(new RegExp(`\\(${SOURCE_FILES.length - finished.length} downloaded, ${finished.length} already present, ${Object.values(partSizes).filter((size) => size > 0).length} resumed from \\.part files\\)`));
    expect(stderr + err.text).not.toContain(fake.apiKey);
  });
});

afterAll(() => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true});
});
