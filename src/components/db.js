// Browser database component: the Parquet workspace in duckdb-wasm, fully offline.
//
//   fetch(FileAttachment(...).href) → parquet-wasm readParquet → Arrow IPC stream
//     → duckdb-wasm conn.insertArrowFromIPCStream({name, create: true})
//
// duckdb-wasm cannot read Parquet by itself offline (read_parquet would download the parquet
// extension), hence parquet-wasm. Each table is loaded at most once per page (memoized promise),
// lazily: `sql` looks at the query text and loads the workspace tables it mentions first.
//
// Usage in a page:
//   import {sql} from "./components/db.js";          // ```sql blocks then use this `sql`
//   const rows = await sql`SELECT * FROM runs WHERE name = ${name}`;   // `${}` → bound parameter
//   sql`SELECT ${ident("config", key)} FROM runs`    // identifiers must be wrapped with ident()
//
// Results are arrays of plain objects (BIGINT → number, TIMESTAMP → Date, LIST → array,
// STRUCT → object) with `.columns` and `.schema`. Errors are thrown AND shown in the page banner.
import * as duckdb from "@duckdb/duckdb-wasm";
import initParquet, {readParquet} from "parquet-wasm/esm";
import {arrowToRows} from "./arrow-rows.js";
import {showError, WorkspaceError} from "./errors.js";
import {compileSql, ident, joinSql, quoteIdent, referencedTables, SqlFragment, sqlFragment} from "./sql-text.js";
import {TABLES} from "./workspace.js";

export {ident, joinSql, sqlFragment, SqlFragment};

const DUCKDB_WASM = import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm");
const DUCKDB_WORKER = import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js");
const PARQUET_WASM = import.meta.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");

let databasePromise = null;
let parquetPromise = null;
const tablePromises = new Map();
const stats = [];
let queue = Promise.resolve();

/** Run `fn` after every earlier database operation of this page (one connection, in order). */
function exclusive(fn) {
  const result = queue.then(fn);
  queue = result.catch(() => {});
  return result;
}

/** The page's duckdb-wasm instance and connection (created once). */
export function database() {
  return (databasePromise ??= (async () => {
    const t0 = performance.now();
    const worker = new Worker(DUCKDB_WORKER, {type: "module"});
    const failed = new Promise((_, reject) =>
      worker.addEventListener("error", (event) =>
        reject(new WorkspaceError(`duckdb-wasm worker failed to start: ${event.message ?? "error event"}`))
      )
    );
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await Promise.race([db.instantiate(DUCKDB_WASM), failed]);
    // No castBigIntToDouble / castTimestampToDate: duckdb-wasm 1.32 applies them to top-level columns
    // only and garbles the same types inside STRUCT/LIST (BIGINT bits read as DOUBLE). arrowToRows
    // converts BigInt/timestamps itself, at every nesting level.
    await db.open({});
    const conn = await db.connect();
    try {
      performance.measure("runlens:duckdb:start", {start: t0, end: performance.now()});
    } catch {
      // measurement only
    }
    return {db, conn};
  })().catch((error) => {
    throw showError(error instanceof WorkspaceError ? error : new WorkspaceError(`duckdb-wasm failed to start: ${message(error)}`, {cause: error}));
  }));
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

function parquetReady() {
  return (parquetPromise ??= initParquet({module_or_path: PARQUET_WASM}));
}

/** Names of the workspace tables this page can load. */
export function tableNames() {
  return Object.keys(TABLES);
}

/** Load one workspace table into duckdb-wasm (memoized: once per page). Resolves to its stats. */
export function loadTable(name) {
  let promise = tablePromises.get(name);
  if (!promise) {
    promise = loadTableOnce(name);
    tablePromises.set(name, promise);
    promise.catch((error) => showError(error));
  }
  return promise;
}

async function loadTableOnce(name) {
  const entry = Object.hasOwn(TABLES, name) ? TABLES[name] : null;
  if (!entry) throw new WorkspaceError(`unknown workspace table "${name}" (known: ${tableNames().join(", ")})`, {table: name});
  let file = name;
  try {
    const resolved = entry();
    file = resolved.file;
    const t0 = performance.now();
    let t1 = t0;
    let t2 = t0;
    // Fetch + decode run while duckdb-wasm starts (the first table of a page pays the start-up).
    const decoded = Promise.all([fetchBytes(resolved.href), parquetReady()]).then(([bytes]) => {
      t1 = performance.now();
      const ipc = readParquet(bytes).intoIPCStream();
      t2 = performance.now();
      return {bytes, ipc};
    });
    const [{bytes, ipc}, {conn}] = await Promise.all([decoded, database()]);
    const tReady = performance.now();
    const rows = await exclusive(async () => {
      await conn.insertArrowFromIPCStream(ipc, {name, create: true});
      const count = await conn.query(`SELECT count(*) AS n FROM ${quoteIdent(name)}`);
      return Number(count.getChildAt(0).get(0));
    });
    const t3 = performance.now();
    const stat = {table: name, file, bytes: bytes.byteLength, rows, fetchMs: t1 - t0, decodeMs: t2 - t1, insertMs: t3 - tReady, totalMs: t3 - t0};
    stats.push(stat);
    try {
      performance.measure(`runlens:load:${name}`, {start: t0, end: t3, detail: stat});
    } catch {
      // performance.measure with options is unsupported in very old browsers; stats still kept.
    }
    return stat;
  } catch (error) {
    throw new WorkspaceError(`could not load table "${name}" from ${file}: ${message(error)}`, {cause: error, table: name, file});
  }
}

async function fetchBytes(href) {
  const response = await fetch(href);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Start loading tables now, without waiting (a page calls this first so that fetching and decoding
 * overlap with duckdb-wasm's start-up). Failures are shown in the page and rethrown to the queries
 * that need the table.
 */
export function preload(...names) {
  database().catch(() => {});
  for (const name of names) loadTable(name).catch(() => {});
}

/** Per-table load statistics of this page so far (table, file, bytes, rows, timings in ms). */
export function loadStats() {
  return stats.slice();
}

/** Run a compiled query (SqlFragment); loads the workspace tables it mentions first. Resolves to rows. */
export async function query(fragment) {
  const t0 = performance.now();
  const rows = arrowToRows(await queryArrow(fragment));
  try {
    performance.measure("runlens:query", {start: t0, detail: {rows: rows.length}});
  } catch {
    // ignore: measurement only
  }
  return rows;
}

/**
 * Like query, but resolves to duckdb-wasm's Arrow table itself, for callers that read columns without
 * a JS object per row (research-data.ts turns history into typed arrays this way).
 */
export async function queryArrow(fragment) {
  if (!(fragment instanceof SqlFragment)) throw new TypeError("query() expects a fragment from sqlFragment`…` or sql`…`");
  const needed = referencedTables(fragment.text, tableNames());
  await Promise.all(needed.map(loadTable));
  const {conn} = await database();
  try {
    return await exclusive(async () => {
      if (fragment.params.length === 0) return conn.query(fragment.text);
      const statement = await conn.prepare(fragment.text);
      try {
        return await statement.query(...fragment.params);
      } finally {
        await statement.close();
      }
    });
  } catch (error) {
    throw showError(new WorkspaceError(`query failed: ${message(error)}\n${abbreviate(fragment.text)}`, {cause: error}), "Query error");
  }
}

function abbreviate(text) {
  const t = text.trim().replace(/\s+/g, " ");
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/**
 * The tagged template used by ```sql blocks and pages: sql`SELECT … ${value}` → Promise<rows>.
 * Interpolated values are bound parameters (arrays expand to `?, ?, …`); wrap identifiers in ident().
 */
export function sql(strings, ...values) {
  return query(compileSql(strings, values));
}

/** Arrow schema fields of a workspace table (loads it if needed): [{name, type: {typeId, children}}]. */
export async function describe(name) {
  if (!Object.hasOwn(TABLES, name)) throw new WorkspaceError(`unknown workspace table "${name}"`, {table: name});
  const rows = await query(new SqlFragment(`SELECT * FROM ${quoteIdent(name)} LIMIT 0`));
  return rows.schema;
}
