// Download buttons for a result table: CSV (text in a Blob) and Parquet (Arrow IPC built by
// table-export.ts, written by parquet-wasm's writer; all offline, nothing leaves the page).
// duckdb-wasm's COPY … TO 'x.parquet' would need its parquet extension, which it downloads at run
// time, so parquet-wasm (already used to read the workspace) writes the file instead.
import initParquet, {Table as WasmTable, writeParquet} from "parquet-wasm/esm";
import {el} from "./dom.js";
import {showError} from "./errors.js";
import {exportName, toArrowIPC, toCsv, type ExportTable} from "./table-export.js";

const PARQUET_WASM = import.meta.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");
let parquetReady: Promise<unknown> | null = null;

/** The table as Parquet bytes (typed columns, see table-export.ts). */
export async function toParquet(table: ExportTable): Promise<Uint8Array> {
  await (parquetReady ??= initParquet({module_or_path: PARQUET_WASM}));
  return writeParquet(WasmTable.fromIPCStream(toArrowIPC(table)));
}

/** Offer bytes or text as a file download (a blob: URL of our own making, revoked after use). */
export function saveFile(data: Uint8Array | string, name: string, type: string): void {
  const blob = new Blob([data as BlobPart], {type});
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Two buttons: "CSV" and "Parquet" for `table` (rows as given: what the page shows). `name` is the
 * file name without extension (page and table id).
 */
export function downloadButtons(table: ExportTable | (() => ExportTable), {name}: {name: string}): HTMLElement {
  const get = () => (typeof table === "function" ? table() : table);
  const file = exportName(name);
  const csv = el("button", {type: "button", class: "rl-download", "data-format": "csv", title: `Download ${file}.csv`}, "CSV");
  const parquet = el("button", {type: "button", class: "rl-download", "data-format": "parquet", title: `Download ${file}.parquet`}, "Parquet");
  csv.addEventListener("click", () => saveFile(toCsv(get()), `${file}.csv`, "text/csv;charset=utf-8"));
  parquet.addEventListener("click", async () => {
    parquet.setAttribute("disabled", "");
    try {
      saveFile(await toParquet(get()), `${file}.parquet`, "application/vnd.apache.parquet");
    } catch (error) {
      showError(error, `Parquet export of ${file} failed`);
    } finally {
      parquet.removeAttribute("disabled");
    }
  });
  return el("span", {class: "rl-downloads", "data-testid": "downloads"}, "Download ", csv, " ", parquet);
}
