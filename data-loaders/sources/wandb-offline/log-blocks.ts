/**
 * Byte layer of a `run-<id>.wandb` file (spec §2): 7-byte `:W&B` header, then LevelDB-log-style
 * 32 KiB blocks of chunks (FULL / FIRST / MIDDLE / LAST) → record payloads.
 *
 * Damaged files are the normal case for crashed or still-running jobs, so this never throws on file
 * content: it returns every intact record, counts what it had to skip, and on corruption resyncs at
 * the next block boundary (wandb-core semantics). Every loop iteration advances the read position,
 * so the walk is bounded by the file size.
 */
import {crc32, crc32c, maskCrc} from "./crc32.js";

export const BLOCK_SIZE = 32768;
export const CHUNK_HEADER_SIZE = 7;
export const FILE_HEADER_SIZE = 7;
export const FILE_IDENT = [0x3a, 0x57, 0x26, 0x42]; // ":W&B"
export const FILE_MAGIC = 0xbee1;

export const ChunkType = {Full: 1, First: 2, Middle: 3, Last: 4} as const;

/** One reassembled record payload; `offset` is where its first chunk starts, `end` just past its last. */
export interface LogRecord {
  offset: number;
  end: number;
  payload: Buffer;
}

/** `header`: unknown version byte (a warning only); the other kinds decide `status`. */
export type LogIssueKind = "header" | "corrupt" | "incomplete" | "zeroed";

export interface LogIssue {
  kind: LogIssueKind;
  offset: number;
  reason: string;
}

/**
 * `clean`: the file ends exactly after a record. `incomplete`: it ends inside a chunk or record, or in
 * zero-filled space (crashed or still being written). `corrupt`: checksum, type, length or sequencing
 * errors (or a bad header) were found; records after the damage may have been recovered.
 */
export type LogStatus = "clean" | "incomplete" | "corrupt";

export interface LogReadResult {
  records: LogRecord[];
  status: LogStatus;
  /** Header version byte (0 released, 1 unreleased branch); null when the header is missing. */
  headerVersion: number | null;
  /** File offset where the block grid starts: 0 normally, 7 for opt-in wandb-core < 0.17.6 (§2.9). */
  blockOrigin: 0 | 7;
  recordsRead: number;
  /** Chunks whose header was read but whose bytes were not used (bad checksum, orphaned, unfinished). */
  chunksSkipped: number;
  /** Bytes past the file header that did not end up in a record, excluding normal block padding. */
  bytesSkipped: number;
  /** Chunks accepted only under LevelDB's masked CRC-32C (pre-release wandb-core "nexus"). */
  legacyChecksumChunks: number;
  /** First issues found (capped at MAX_ISSUES); `issueCount` has the total. */
  issues: LogIssue[];
  issueCount: number;
  /** Offset just past the last record returned: where an incremental re-read of a live file resumes. */
  endOffset: number;
}

const MAX_ISSUES = 50;
/** CRC-32 of each chunk type byte: the checksum covers `type ‖ payload`, so it starts from these. */
const TYPE_CRC = [0, 1, 2, 3, 4].map((type) => crc32(Uint8Array.of(type)));

export interface ReadLogOptions {
  /** Force a block origin; by default 0, retrying with 7 when the first error sits at the first block boundary. */
  blockOrigin?: 0 | 7;
}

/** Split a whole `.wandb` file into record payloads; never throws on file content. */
export function readLogRecords(bytes: Uint8Array, options: ReadLogOptions = {}): LogReadResult {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (options.blockOrigin !== undefined) return walk(buf, options.blockOrigin);
  const aligned = walk(buf, 0);
  // Opt-in wandb-core before 0.17.6 started the block grid after the header (§2.9); such files read
  // fine with origin 0 up to the first block boundary and then fail there.
  const first = aligned.issues.find((issue) => issue.kind === "corrupt");
  if (first && buf.length > BLOCK_SIZE && first.offset < BLOCK_SIZE + CHUNK_HEADER_SIZE) {
    const shifted = walk(buf, 7);
    if (shifted.recordsRead > aligned.recordsRead) return shifted;
  }
  return aligned;
}

function walk(buf: Buffer, origin: 0 | 7): LogReadResult {
  const size = buf.length;
  const result: LogReadResult = {
    records: [],
    status: "clean",
    headerVersion: null,
    blockOrigin: origin,
    recordsRead: 0,
    chunksSkipped: 0,
    bytesSkipped: 0,
    legacyChecksumChunks: 0,
    issues: [],
    issueCount: 0,
    endOffset: Math.min(size, FILE_HEADER_SIZE)
  };
  let sawCorrupt = false;
  let sawIncomplete = false;
  const issue = (kind: LogIssueKind, offset: number, reason: string) => {
    if (kind === "corrupt") sawCorrupt = true;
    else if (kind === "incomplete" || kind === "zeroed") sawIncomplete = true;
    result.issueCount++;
    if (result.issues.length < MAX_ISSUES) result.issues.push({kind, offset, reason});
  };

  const status = (): LogStatus => (sawCorrupt ? "corrupt" : sawIncomplete ? "incomplete" : "clean");
  if (!checkHeader(buf, result, issue)) {
    result.status = status();
    return result;
  }

  // A record being reassembled from FIRST/MIDDLE chunks.
  let pending: Buffer[] | null = null;
  let pendingOffset = 0;
  let pendingChunks = 0;
  let pendingBytes = 0;
  // After a resync, MIDDLE/LAST chunks belong to a record whose start was lost: skip them quietly.
  let resyncing = false;
  let lastZeroedAt = -1;

  const dropPending = () => {
    if (pending) {
      result.chunksSkipped += pendingChunks;
      result.bytesSkipped += pendingBytes;
    }
    pending = null;
    pendingChunks = 0;
    pendingBytes = 0;
  };
  const emit = (offset: number, payload: Buffer, end: number) => {
    result.records.push({offset, end, payload});
    result.recordsRead++;
    result.endOffset = end;
    resyncing = false;
  };

  let pos = FILE_HEADER_SIZE;
  while (pos < size) {
    const blockEnd = origin + (Math.floor((pos - origin) / BLOCK_SIZE) + 1) * BLOCK_SIZE;
    const left = blockEnd - pos;
    if (left < CHUNK_HEADER_SIZE) {
      // Block tail padding (or a file ending 1–6 bytes short of a block: also normal).
      pos = blockEnd;
      continue;
    }
    if (size - pos < CHUNK_HEADER_SIZE) {
      issue("incomplete", pos, `file ends ${size - pos} byte(s) into a chunk header`);
      result.bytesSkipped += size - pos;
      pos = size;
      break;
    }
    const checksum = buf.readUInt32LE(pos);
    const length = buf.readUInt16LE(pos + 4);
    const type = buf[pos + 6];

    if (checksum === 0 && length === 0 && type === 0) {
      // Zero-filled space: pre-allocated or crash-zeroed. Skip the block; later blocks may hold data.
      lastZeroedAt = pos;
      issue("zeroed", pos, "zero-filled chunk header; skipping to the next block");
      dropPending();
      const next = Math.min(blockEnd, size);
      result.bytesSkipped += next - pos;
      pos = next;
      continue;
    }
    const chunkEnd = pos + CHUNK_HEADER_SIZE + length;
    let problem: string | null = null;
    if (type < ChunkType.Full || type > ChunkType.Last) problem = `invalid chunk type ${type}`;
    else if (CHUNK_HEADER_SIZE + length > left) problem = `chunk length ${length} crosses the block boundary`;
    else if (chunkEnd > size) {
      issue("incomplete", pos, `file ends inside a chunk payload (${size - pos - CHUNK_HEADER_SIZE} of ${length} bytes)`);
      result.chunksSkipped++;
      result.bytesSkipped += size - pos;
      pos = size;
      break;
    } else {
      const computed = crc32(buf, TYPE_CRC[type], pos + 7, chunkEnd);
      if (computed !== checksum) {
        if (maskCrc(crc32c(buf, crc32c(buf, 0, pos + 6, pos + 7), pos + 7, chunkEnd)) === checksum) {
          result.legacyChecksumChunks++;
        } else {
          problem = "checksum mismatch";
        }
      }
    }
    if (problem !== null) {
      // LevelDB/wandb-core recovery: drop the rest of this block and resume at the next one.
      issue("corrupt", pos, `${problem}; skipped ${Math.min(blockEnd, size) - pos} byte(s) to the next block`);
      dropPending();
      result.chunksSkipped++;
      const next = Math.min(blockEnd, size);
      result.bytesSkipped += next - pos;
      pos = next;
      resyncing = true;
      continue;
    }

    const payload = buf.subarray(pos + CHUNK_HEADER_SIZE, chunkEnd);
    const chunkBytes = CHUNK_HEADER_SIZE + length;
    switch (type) {
      case ChunkType.Full:
        if (pending) {
          issue("corrupt", pendingOffset, "record started (FIRST) but never finished (no LAST)");
          dropPending();
        }
        emit(pos, payload, chunkEnd);
        break;
      case ChunkType.First:
        if (pending) {
          issue("corrupt", pendingOffset, "record started (FIRST) but never finished (no LAST)");
          dropPending();
        }
        pending = [payload];
        pendingOffset = pos;
        pendingChunks = 1;
        pendingBytes = chunkBytes;
        resyncing = false;
        break;
      case ChunkType.Middle:
      case ChunkType.Last:
        if (!pending) {
          // Orphan: its FIRST was lost. Skip only this chunk; its checksum is fine, so later chunks are too.
          if (!resyncing) issue("corrupt", pos, `${type === ChunkType.Middle ? "MIDDLE" : "LAST"} chunk without a FIRST`);
          result.chunksSkipped++;
          result.bytesSkipped += chunkBytes;
        } else if (type === ChunkType.Middle) {
          pending.push(payload);
          pendingChunks++;
          pendingBytes += chunkBytes;
        } else {
          pending.push(payload);
          emit(pendingOffset, Buffer.concat(pending), chunkEnd);
          pending = null;
          pendingChunks = 0;
          pendingBytes = 0;
        }
        break;
    }
    pos = chunkEnd;
  }

  if (pending) {
    issue("incomplete", pendingOffset, "file ends inside a record split across blocks (FIRST without LAST)");
    dropPending();
  }
  // Zero-filled space followed by real records is a gap, not a tail.
  if (lastZeroedAt >= 0 && result.endOffset > lastZeroedAt) issue("corrupt", lastZeroedAt, "zero-filled gap between records");
  result.status = status();
  return result;
}

function checkHeader(buf: Buffer, result: LogReadResult, issue: (kind: LogIssueKind, offset: number, reason: string) => void): boolean {
  if (buf.length === 0) {
    issue("incomplete", 0, "empty file (no data written yet)");
    return false;
  }
  if (buf.length < FILE_HEADER_SIZE) {
    issue("incomplete", 0, `file has only ${buf.length} byte(s), less than the 7-byte header`);
    result.bytesSkipped = buf.length;
    return false;
  }
  const identOk = FILE_IDENT.every((byte, i) => buf[i] === byte);
  const magicOk = buf.readUInt16LE(4) === FILE_MAGIC;
  result.headerVersion = buf[6];
  // A damaged header is reported but the chunks are still read: their own checksums decide.
  if (!identOk || !magicOk) issue("corrupt", 0, "missing :W&B header (identifier or magic wrong); reading chunks anyway");
  else if (buf[6] > 1) issue("header", 0, `unknown log version ${buf[6]} (expected 0 or 1); reading anyway`);
  return true;
}
