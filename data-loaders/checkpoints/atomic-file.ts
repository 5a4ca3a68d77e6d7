/**
 * Atomic file writes: the bytes go to a temporary file in the same folder (same file system), are
 * flushed to disk, and the temporary file is renamed over the target in one step. A reader sees the old
 * file or the complete new one, never a partial write; a killed writer leaves at most a `*.tmp` file,
 * which the next run ignores and overwrites (names carry the process id and a random suffix).
 */
import {closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from "node:fs";
import {dirname, join, basename} from "node:path";
import {randomBytes} from "node:crypto";

/** A fresh temporary path next to `path`: `.<name>.<pid>.<random>.tmp`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Write `bytes` to `path` atomically (creating the folder). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), {recursive: true});
  const temp = tempPathFor(path);
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  let fd: number | null = openSync(temp, "w");
  try {
    let offset = 0;
    while (offset < data.byteLength) offset += writeSync(fd, data, offset, data.byteLength - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temp, {force: true});
    throw error;
  }
}
