/**
 * Artifacts for the fake W&B server: versions served from local folders, with a manifest computed from the
 * files (base64 MD5 per file, hex MD5 manifest digest, as the wandb SDK writes them), GraphQL resolvers for
 * the read operations of reference §7, and the presigned "storage" GETs (Range support, expiry, faults,
 * throttling) that the server routes under /storage/.
 */
import {createHash, createHmac} from "node:crypto";
import {readdirSync, readFileSync} from "node:fs";
import {join, relative, sep} from "node:path";

export interface FakeArtifactSpec {
  entity: string;
  project: string;
  /** Collection name ("grokking-p59"). */
  name: string;
  /** Folder whose files (recursively) are the artifact's contents. */
  dir: string;
  /** Default "model". */
  type?: string;
  /** Extra aliases of this version ("best", …). "latest" moves to the newest version automatically; `vN` always works. */
  aliases?: string[];
  /** Run (name/id) that logged it, for RunOutputArtifacts. */
  run?: string;
  /** Runs that used it, for RunInputArtifacts. */
  usedBy?: string[];
  description?: string;
  metadata?: Record<string, unknown>;
}

export interface FakeArtifactFile {
  path: string;
  size: number;
  /** Base64 MD5. */
  digest: string;
  md5hex: string;
  bytes: Buffer;
}

export interface FakeArtifactVersion {
  id: string;
  spec: FakeArtifactSpec;
  versionIndex: number;
  files: FakeArtifactFile[];
  manifest: string;
  digest: string;
  size: number;
  createdAt: string;
}

export const GROKKING_RESULTS_DIR = "/work/shared/datasets/grokking/results";

/** The grokking model folders as artifacts of fp8-lab/altgrad: `grokking-p59` v0 = seed 0 (+ `grokking-p59-seed1` v0). */
export function grokkingArtifacts(run?: string): FakeArtifactSpec[] {
  return [
    {entity: "fp8-lab", project: "altgrad", name: "grokking-p59", type: "model", dir: join(GROKKING_RESULTS_DIR, "model_p59_seed0"), run, description: "p=59 seed 0 checkpoints + analysis outputs"},
    {entity: "fp8-lab", project: "altgrad", name: "grokking-p59-seed1", type: "model", dir: join(GROKKING_RESULTS_DIR, "model_p59_seed1"), run}
  ];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** hashutil-style manifest digest: hex MD5 of "wandb-artifact-manifest-v1\n" + "path:digest\n" per entry, sorted. */
export function fakeManifestDigest(files: Array<{path: string; digest: string}>): string {
  const hash = createHash("md5").update("wandb-artifact-manifest-v1\n");
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`${file.path}:${file.digest}\n`);
  return hash.digest("hex");
}

export class FakeArtifactStore {
  /** "entity/project/name" → versions by index. */
  readonly collections = new Map<string, FakeArtifactVersion[]>();
  readonly byId = new Map<string, FakeArtifactVersion>();
  /** "entity/project/name" → alias → versionIndex (user aliases; "latest" is implicit). */
  readonly aliases = new Map<string, Map<string, number>>();
  #next = 1;

  add(spec: FakeArtifactSpec): FakeArtifactVersion {
    const key = `${spec.entity}/${spec.project}/${spec.name}`;
    const versions = this.collections.get(key) ?? [];
    const files = walk(spec.dir)
      .map((full) => {
        const bytes = readFileSync(full);
        const md5 = createHash("md5").update(bytes).digest();
        return {path: relative(spec.dir, full).split(sep).join("/"), size: bytes.length, digest: md5.toString("base64"), md5hex: md5.toString("hex"), bytes};
      })
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const serial = this.#next++;
    const id = Buffer.from(`Artifact:${serial}`).toString("base64");
    const contents: Record<string, unknown> = {};
    for (const file of files) contents[file.path] = {digest: file.digest, birthArtifactID: id, size: file.size};
    const manifest = JSON.stringify({version: 1, storagePolicy: "wandb-storage-policy-v1", storagePolicyConfig: {storageLayout: "V2"}, contents});
    const version: FakeArtifactVersion = {
      id,
      spec,
      versionIndex: versions.length,
      files,
      manifest,
      digest: fakeManifestDigest(files),
      size: files.reduce((sum, file) => sum + file.size, 0),
      createdAt: new Date(Date.UTC(2026, 0, 1) + serial * 3_600_000).toISOString().slice(0, 19)
    };
    versions.push(version);
    this.collections.set(key, versions);
    this.byId.set(id, version);
    const aliases = this.aliases.get(key) ?? new Map<string, number>();
    for (const alias of spec.aliases ?? []) aliases.set(alias, version.versionIndex);
    this.aliases.set(key, aliases);
    return version;
  }

  hasProject(entity: string, project: string): boolean {
    const prefix = `${entity}/${project}/`;
    for (const key of this.collections.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** `name:alias` in a project (alias: a user alias, "latest" or "vN"). */
  resolve(entity: string, project: string, nameAndAlias: string): FakeArtifactVersion | null {
    const colon = nameAndAlias.lastIndexOf(":");
    const name = colon === -1 ? nameAndAlias : nameAndAlias.slice(0, colon);
    const alias = colon === -1 ? "latest" : nameAndAlias.slice(colon + 1);
    return this.resolveAlias(entity, project, name, alias);
  }

  resolveAlias(entity: string, project: string, name: string, alias: string): FakeArtifactVersion | null {
    const key = `${entity}/${project}/${name}`;
    const versions = this.collections.get(key);
    if (!versions || versions.length === 0) return null;
    if (alias === "latest") return versions[versions.length - 1];
    const version = /^v(\d+)$/.exec(alias);
    if (version) return versions[Number(version[1])] ?? null;
    const index = this.aliases.get(key)?.get(alias);
    return index === undefined ? null : versions[index];
  }

  aliasesOf(version: FakeArtifactVersion): string[] {
    const key = `${version.spec.entity}/${version.spec.project}/${version.spec.name}`;
    const out: string[] = [];
    const versions = this.collections.get(key)!;
    if (versions[versions.length - 1] === version) out.push("latest");
    for (const [alias, index] of this.aliases.get(key) ?? []) if (index === version.versionIndex) out.push(alias);
    return out;
  }

  /** ArtifactFragment. */
  fragment(version: FakeArtifactVersion): Record<string, unknown> {
    const {spec} = version;
    const projectInfo = {name: spec.project, entity: {name: spec.entity}};
    return {
      __typename: "Artifact",
      id: version.id,
      artifactSequence: {__typename: "ArtifactSequence", name: spec.name, project: projectInfo},
      versionIndex: version.versionIndex,
      artifactType: {name: spec.type ?? "model"},
      description: spec.description ?? null,
      metadata: JSON.stringify(spec.metadata ?? {}),
      ttlDurationSeconds: -1,
      ttlIsInherited: true,
      tags: [],
      historyStep: null,
      state: "COMMITTED",
      size: version.size,
      digest: version.digest,
      commitHash: version.digest.slice(0, 12),
      fileCount: version.files.length,
      createdAt: version.createdAt,
      updatedAt: version.createdAt,
      aliases: this.aliasesOf(version).map((alias) => ({
        __typename: "ArtifactAlias",
        id: Buffer.from(`ArtifactAlias:${version.id}:${alias}`).toString("base64"),
        alias,
        artifactCollection: {__typename: "ArtifactSequence", name: spec.name, project: projectInfo}
      }))
    };
  }

  membership(version: FakeArtifactVersion): Record<string, unknown> {
    const {spec} = version;
    return {
      __typename: "ArtifactCollectionMembership",
      id: Buffer.from(`ArtifactCollectionMembership:${version.id}`).toString("base64"),
      versionIndex: version.versionIndex,
      aliases: this.aliasesOf(version).map((alias) => ({__typename: "ArtifactAlias", id: Buffer.from(`ArtifactAlias:${version.id}:${alias}`).toString("base64"), alias})),
      artifactCollection: {__typename: "ArtifactSequence", name: spec.name, project: {name: spec.project, entity: {name: spec.entity}}},
      artifact: this.fragment(version)
    };
  }

  /** Versions logged (output) or used (input) by a run, in creation order. */
  ofRun(entity: string, project: string, run: string, direction: "output" | "input"): FakeArtifactVersion[] {
    const out: FakeArtifactVersion[] = [];
    for (const versions of this.collections.values()) {
      for (const version of versions) {
        const {spec} = version;
        if (spec.entity !== entity || spec.project !== project) continue;
        if (direction === "output" ? spec.run === run : spec.usedBy?.includes(run)) out.push(version);
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
}

/** Parse a single `Range: bytes=…` against a size: [start, end] inclusive, "unsatisfiable", or null (no/ignored range). */
export function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null; // multiple or malformed ranges: serve the whole file
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return [start, end];
}

export function signStoragePath(secret: Buffer, path: string, expires: number): string {
  return createHmac("sha256", secret).update(`${path}\n${expires}`).digest("hex").slice(0, 40);
}
