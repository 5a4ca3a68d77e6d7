import {existsSync, mkdirSync, readdirSync, renameSync, rmSync} from "node:fs";
import {join} from "node:path";

/**
 * Build a folder of derived files keyed by an input fingerprint, all or nothing: `build` writes into a
 * private temporary folder which is renamed to `<root>/<fingerprint>` in one step. A failed or killed
 * build leaves no partial output, and concurrent builders of the same fingerprint (Framework runs
 * loaders in parallel) never see a half-written folder: the first rename wins, the others are dropped.
 * Older fingerprints are removed afterwards, as are other builders' temporary folders older than an hour.
 */
export async function publishFingerprintedDir<T>(root: string, fingerprint: string, build: (temp: string) => Promise<T>, options: {force?: boolean} = {}): Promise<T> {
  const dir = join(root, fingerprint);
  mkdirSync(root, {recursive: true});
  const temp = join(root, `.tmp-${fingerprint}-${process.pid}-${Date.now()}`);
  mkdirSync(temp);
  try {
    const result = await build(temp);
    if (options.force) rmSync(dir, {recursive: true, force: true});
    try {
      renameSync(temp, dir);
    } catch (error) {
      // Another builder finished the same fingerprint first: its files are identical, keep them.
      if (!existsSync(dir)) throw error;
      rmSync(temp, {recursive: true, force: true});
    }
    removeStale(root, fingerprint);
    return result;
  } catch (error) {
    rmSync(temp, {recursive: true, force: true});
    throw error;
  }
}

function removeStale(root: string, keep: string): void {
  for (const entry of readdirSync(root)) {
    if (entry === keep) continue;
    if (entry.startsWith(".tmp-")) {
      const started = Number(entry.split("-").at(-1));
      if (Number.isFinite(started) && Date.now() - started < 3_600_000) continue;
    }
    rmSync(join(root, entry), {recursive: true, force: true});
  }
}
