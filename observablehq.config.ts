// Observable Framework configuration for the runlens site.
// The build must work offline: no CDN imports, no Google Fonts (globalStylesheets: []).
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {fileURLToPath} from "node:url";

// Offline builds. Framework 1.13 bundles its client (`/_observablehq/client.js`, `stdlib.js`) with
// lazy `npm:` imports for its optional implicit libraries (react, lodash, echarts, leaflet, …) and
// resolves their *versions* from the npm registry at build time, even when no page uses
// them: a build with an empty cache fails offline (a DNS lookup error for the registry host). It reads
// known versions from `<root>/.observablehq/cache/_npm/<name>@<version>/` first, so we seed that
// cache: the version installed in node_modules when there is one, else a fixed version. Nothing is
// downloaded for them (pages import every library by bare name; no page triggers these imports).
const FRAMEWORK_CLIENT_NPM: Record<string, string> = {
  "@duckdb/duckdb-wasm": "1.32.0",
  "@observablehq/inputs": "0.12.0",
  "@observablehq/plot": "0.6.17",
  "@observablehq/sample-datasets": "1.0.1",
  "@uwdata/vgplot": "0.21.1",
  "@viz-js/viz": "3.11.0",
  "apache-arrow": "17.0.0",
  arquero: "8.0.3",
  d3: "7.9.0",
  "d3-dsv": "3.0.1",
  echarts: "5.6.0",
  exceljs: "4.4.0",
  htl: "0.3.1",
  jszip: "3.10.1",
  katex: "0.16.22",
  leaflet: "1.9.4",
  lodash: "4.17.21",
  "mapbox-gl": "3.12.0",
  mermaid: "11.6.0",
  "parquet-wasm": "0.8.0",
  react: "19.1.0",
  "react-dom": "19.1.0",
  "sql.js": "1.13.0",
  "topojson-client": "3.1.0",
  vega: "6.1.2",
  "vega-lite": "6.1.0",
  "vega-lite-api": "5.6.0"
};

function seedNpmVersionCache(root: string): void {
  const cache = fileURLToPath(new URL(`./${root}/.observablehq/cache/_npm/`, import.meta.url));
  for (const [name, fallback] of Object.entries(FRAMEWORK_CLIENT_NPM)) {
    let version = fallback;
    try {
      const manifest = fileURLToPath(new URL(`./node_modules/${name}/package.json`, import.meta.url));
      const installed = JSON.parse(readFileSync(manifest, "utf8")).version;
      if (typeof installed === "string" && /^\d+\.\d+\.\d+/.test(installed)) version = installed;
    } catch {
      // not installed: the fixed version is only a name for a lazy import that no page triggers
    }
    const dir = `${cache}${name}@${version}`;
    if (!existsSync(dir)) mkdirSync(dir, {recursive: true});
  }
}

// Framework bundles each node_modules import once per name@version into
// `<root>/.observablehq/cache/_node/<name>@<version>/` and never rebuilds it (framework/src/node.ts,
// resolveNodeImportInternal: "if (existsSync(outputPath)) return"). Our own workspace package
// @runlens/analyses keeps version 0.1.0 while its code changes, so a stale bundle would serve old
// analyses to the pages. Drop the cached bundle whenever analyses/dist is newer than it.
function mtimes(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? mtimes(path) : [statSync(path).mtimeMs];
  });
}

function dropStaleWorkspaceBundles(root: string): void {
  const cached = fileURLToPath(new URL(`./${root}/.observablehq/cache/_node/@runlens`, import.meta.url));
  const bundled = mtimes(cached);
  if (bundled.length === 0) return;
  const built = mtimes(fileURLToPath(new URL("./analyses/dist", import.meta.url)));
  if (built.length === 0 || Math.max(...built) > Math.min(...bundled)) rmSync(cached, {recursive: true, force: true});
}

seedNpmVersionCache("src");
dropStaleWorkspaceBundles("src");

export default {
  title: "runlens",
  root: "src",
  output: "dist",
  pages: [
    {name: "Overview", path: "/"},
    {name: "Curves", path: "/curves"},
    {name: "Checkpoints", path: "/checkpoints"},
    {name: "Formats", path: "/formats"},
    {name: "Failures", path: "/failures"},
    {name: "Optimizers", path: "/optimizers"}
  ],
  globalStylesheets: [],
  // src/style.css = default theme (air / near-midnight) + Inputs styles bundled from node_modules.
  style: "style.css",
  head: '<link rel="icon" href="data:,">',
  footer: "Built with runlens from the local Parquet workspace.",
  toc: false,
  search: false,
  // Links and files keep their .html extension (what `cleanUrls: false` meant; that option is deprecated).
  preserveExtension: true
};
