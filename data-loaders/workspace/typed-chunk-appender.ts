import duckdb from "@duckdb/node-bindings";
import {DuckDBDataChunk, DuckDBEnumType, DuckDBTypeId, type DuckDBAppender, type DuckDBType} from "@duckdb/node-api";

/** DuckDB's vector size: one data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;
/** Validity mask of one vector: one bit per row (1 = valid), as 64-bit words; written here as 32-bit halves. */
const VALIDITY_WORDS = CHUNK_ROWS / 32;
const ALL_VALID = new Uint32Array(VALIDITY_WORDS).fill(0xffffffff);

type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

/** The typed array that holds one vector of `type`: its physical layout (an ENUM is its value index). */
function columnFor(type: DuckDBType): Column {
  if (type.typeId === DuckDBTypeId.INTEGER) return new Int32Array(CHUNK_ROWS);
  if (type.typeId === DuckDBTypeId.DOUBLE) return new Float64Array(CHUNK_ROWS);
  if (type instanceof DuckDBEnumType) {
    if (type.internalTypeId === DuckDBTypeId.UTINYINT) return new Uint8Array(CHUNK_ROWS);
    if (type.internalTypeId === DuckDBTypeId.USMALLINT) return new Uint16Array(CHUNK_ROWS);
    if (type.internalTypeId === DuckDBTypeId.UINTEGER) return new Uint32Array(CHUNK_ROWS);
  }
  throw new TypeError(`TypedRows: unsupported column type ${type}`);
}

/**
 * Up to one data chunk of numeric rows (INTEGER / DOUBLE / ENUM-index columns, nulls allowed) in typed arrays, copied into a
 * DuckDB data chunk with a single copy per column (plus its validity mask where needed). For millions of rows
 * this is several times cheaper than setting values one by one through the vector API.
 */
export class TypedRows {
  private readonly columns: Column[];
  /** Per column: validity words of the rows being filled, or null while every row so far is valid. */
  private readonly validity: (Uint32Array<ArrayBuffer> | null)[];
  /** Per column: the target chunk may still hold invalid rows from an earlier fill (reused chunks). */
  private readonly staleValidity: boolean[];
  rows = 0;

  /** `alwaysWriteValidity`: the target chunk's masks are unknown (not ours), so every mask is written every time. */
  constructor(
    types: readonly DuckDBType[],
    private readonly alwaysWriteValidity = false
  ) {
    this.columns = types.map(columnFor);
    this.validity = types.map(() => null);
    this.staleValidity = types.map(() => alwaysWriteValidity);
  }

  private setNull(column: number, row: number): void {
    let words = this.validity[column];
    if (words === null) words = this.validity[column] = ALL_VALID.slice();
    words[row >>> 5] &= ~(1 << (row & 31));
  }

  /** Add one row of six numbers (or nulls), in column order; the caller writes the chunk out when `rows` is CHUNK_ROWS. */
  row6(a: number | null, b: number | null, c: number | null, d: number | null, e: number | null, f: number | null): void {
    const columns = this.columns;
    const row = this.rows;
    if (a === null) this.setNull(0, row);
    else columns[0][row] = a;
    if (b === null) this.setNull(1, row);
    else columns[1][row] = b;
    if (c === null) this.setNull(2, row);
    else columns[2][row] = c;
    if (d === null) this.setNull(3, row);
    else columns[3][row] = d;
    if (e === null) this.setNull(4, row);
    else columns[4][row] = e;
    if (f === null) this.setNull(5, row);
    else columns[5][row] = f;
    this.rows = row + 1;
  }

  /** Copy the rows into `chunk` (its size set to the row count) and start over empty. */
  writeInto(chunk: DuckDBDataChunk): void {
    const rows = this.rows;
    const raw = chunk.chunk;
    duckdb.data_chunk_set_size(raw, rows);
    for (let c = 0; c < this.columns.length; c++) {
      const values = this.columns[c];
      const vector = duckdb.data_chunk_get_vector(raw, c);
      if (rows > 0) duckdb.copy_data_to_vector(vector, 0, values.buffer, values.byteOffset, rows * values.BYTES_PER_ELEMENT);
      const words = this.validity[c];
      if (words !== null || this.staleValidity[c]) {
        const mask = words ?? ALL_VALID;
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, mask.byteOffset, mask.byteLength);
        this.staleValidity[c] = this.alwaysWriteValidity || words !== null;
        this.validity[c] = null;
      }
    }
    this.rows = 0;
  }
}

/**
 * Row-at-a-time appending of numeric rows with column-at-a-time transfer, like ChunkAppender, but without a
 * JavaScript value per cell: rows go into TypedRows, and each full chunk is copied into one reused DuckDB data
 * chunk and appended.
 */
export class TypedChunkAppender {
  private readonly buffer: TypedRows;
  private readonly chunk: DuckDBDataChunk;

  constructor(
    private readonly appender: DuckDBAppender,
    types: readonly DuckDBType[]
  ) {
    this.buffer = new TypedRows(types);
    this.chunk = DuckDBDataChunk.create(types, CHUNK_ROWS);
  }

  /** Append one row of six numbers (or nulls), in the column order given to the constructor. */
  row6(a: number | null, b: number | null, c: number | null, d: number | null, e: number | null, f: number | null): void {
    this.buffer.row6(a, b, c, d, e, f);
    if (this.buffer.rows === CHUNK_ROWS) this.flush();
  }

  flush(): void {
    if (this.buffer.rows === 0) return;
    this.buffer.writeInto(this.chunk);
    this.appender.appendDataChunk(this.chunk);
  }

  close(): void {
    this.flush();
    this.appender.closeSync();
  }
}
