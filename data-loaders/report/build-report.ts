// The report's content: the research functions (the same calls, with the same options, as the site's
// pages) turned into markdown pages, SVG charts and every table as CSV and JSON. No file system here:
// the result is a list of files that write-report.ts puts in place.
import {
  failuresReport,
  formatsReport,
  optimizersReport,
  researchAnswer,
  type AnswerOptions,
  type FailuresOptions,
  type FailuresReport,
  type FormatsOptions,
  type FormatsReport,
  type OptimizersOptions,
  type OptimizersReport,
  type ResearchAnswer,
  type ResearchData,
  type ResearchTable,
  type Subset
} from "@runlens/analyses/research/index";
import {historyLength} from "@runlens/analyses/compare/history-columns";
import {failuresCharts, formatsCharts, optimizersCharts, type Chart} from "./render-charts.js";
import {bulletList, columnLegend, escapeMarkdown, markdownTable, type RunLinks} from "./render-markdown.js";
import {tableToCsv, tableToJson} from "./table-files.js";
import {GENERATOR, MANIFEST, type ReportFile} from "./write-report.js";

/** What the command line may change; everything else is the research functions' defaults (as the site). */
export interface ReportOptions {
  /** Metrics to rank formats by; the first is also the outcome of the optimizer comparison and the answer. */
  metrics?: string[];
  resamples?: number;
  seed?: number;
}

export interface ResearchResults {
  formats: FormatsReport;
  failures: FailuresReport;
  optimizers: OptimizersReport;
  answer: ResearchAnswer;
}

export interface ReportMeta {
  /** Where the runs came from (the source labels). */
  source: string;
  /** The workspace folder read. */
  workspace: string;
  generatedAt: string;
}

/** The options each research function is called with. Tests call the functions with these too. */
export function researchOptions(o: ReportOptions = {}): {formats: FormatsOptions; failures: FailuresOptions; optimizers: OptimizersOptions; answer: AnswerOptions} {
  const stats = {...(o.resamples !== undefined ? {resamples: o.resamples} : {}), ...(o.seed !== undefined ? {seed: o.seed} : {})};
  const metrics = o.metrics !== undefined && o.metrics.length > 0 ? o.metrics : undefined;
  return {
    formats: {...stats, ...(metrics ? {metrics} : {})},
    failures: {...stats},
    optimizers: {...stats, ...(metrics ? {metric: metrics[0]} : {})},
    answer: {...stats, ...(metrics ? {metric: metrics[0]} : {})}
  };
}

/** Run the four research functions, reporting each one's time. */
export function computeResearch(data: ResearchData, options: ReportOptions = {}, progress: (message: string) => void = () => {}): ResearchResults {
  const o = researchOptions(options);
  const timed = <T>(label: string, fn: () => T): T => {
    const started = performance.now();
    const result = fn();
    progress(`${label} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
    return result;
  };
  return {
    formats: timed("ANAL-01 formats compared", () => formatsReport(data, o.formats)),
    failures: timed("ANAL-02 failures", () => failuresReport(data, o.failures)),
    optimizers: timed("ANAL-03 optimizers", () => optimizersReport(data, o.optimizers)),
    answer: timed("answer to the research question", () => researchAnswer(data, o.answer))
  };
}

/** Tables with more rows than this are in CSV/JSON only (the markdown links them). */
export const INLINE_ROW_LIMIT = 100;

interface Section {
  key: "formats" | "failures" | "optimizers";
  code: string;
  title: string;
  file: string;
  subset: Subset;
  findings: string[];
  notes: string[];
  tables: ResearchTable[];
  charts: Chart[];
}

const tablePath = (section: string, table: ResearchTable, ext: "csv" | "json") => `tables/${section}/${table.id}.${ext}`;

function outsideSummary(subset: Subset): string[] {
  if (subset.outside.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const r of subset.outside) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  const parts = [...byReason].map(([reason, n]) => `${reason}: ${n}`);
  return [`${subset.outside.length} run(s) are outside this comparison (${parts.join("; ")}).`];
}

function tableBlock(section: string, table: ResearchTable, runs: RunLinks): string {
  const csv = tablePath(section, table, "csv");
  const json = tablePath(section, table, "json");
  const lines = [`## ${escapeMarkdown(table.title)}`, "", escapeMarkdown(table.description), ""];
  if (table.rows.length === 0) lines.push("*No rows: see “What could not be computed” below.*");
  else if (table.rows.length > INLINE_ROW_LIMIT) lines.push(`*${table.rows.length} rows: too many to show here; all of them are in the files below.*`);
  else lines.push(markdownTable(table, runs));
  const legend = columnLegend(table);
  if (legend !== "") lines.push("", `Columns — ${legend}`);
  lines.push("", `Files: [${table.id}.csv](${csv}) · [${table.id}.json](${json}) (${table.rows.length} row${table.rows.length === 1 ? "" : "s"}, full precision)`);
  return lines.join("\n");
}

function sectionMarkdown(s: Section, meta: ReportMeta, runs: RunLinks): string {
  const parts = [
    `# ${s.code} — ${escapeMarkdown(s.title)}`,
    "",
    `[← report](README.md) · generated ${escapeMarkdown(meta.generatedAt)} from ${escapeMarkdown(meta.source)}`,
    "",
    `**Compared runs:** ${escapeMarkdown(s.subset.description)}.`,
    "",
    "## Findings",
    "",
    s.findings.length > 0 ? bulletList(s.findings) : "*No findings could be computed: see below.*"
  ];
  if (s.charts.length > 0) {
    parts.push("", "## Charts", "");
    for (const c of s.charts) parts.push(`![${escapeMarkdown(c.alt)}](charts/${c.file})`, "");
  }
  for (const t of s.tables) parts.push("", tableBlock(s.key, t, runs));
  const notes = [...s.notes, ...outsideSummary(s.subset)];
  parts.push("", "## What could not be computed, and caveats", "", notes.length > 0 ? bulletList(notes) : "Everything was computed; no caveats were raised.");
  return parts.join("\n") + "\n";
}

function answerMarkdown(r: ResearchResults, sections: Section[], meta: ReportMeta, runs: RunLinks, counts: {runs: number; historyRows: number}): string {
  const a = r.answer;
  const f = r.formats.options;
  const status = a.status === "answered" ? "answered" : a.status === "partial" ? "partly answered" : "could not be computed";
  const parts = [
    "# runlens report",
    "",
    `Generated ${escapeMarkdown(meta.generatedAt)} from ${escapeMarkdown(meta.source)}: ${counts.runs} runs, ${counts.historyRows} history rows.`,
    "",
    `**Question:** ${escapeMarkdown(a.question)}`,
    "",
    `**Answer** (${status}): ${escapeMarkdown(a.headline)}`,
    "",
    ...a.paragraphs.flatMap((p) => [escapeMarkdown(p), ""]),
    "## Sections",
    "",
    ...sections.map((s) => `- [${s.code} — ${escapeMarkdown(s.title)}](${s.file})${s.findings[0] ? `: ${escapeMarkdown(s.findings[0])}` : ""}`)
  ];
  for (const t of [a.tables.benefit, a.tables.why, a.tables.robustness]) parts.push("", tableBlock("answer", t, runs));
  const notes = [...a.notes];
  parts.push("", "## What could not be computed, and caveats", "", notes.length > 0 ? bulletList(notes) : "Nothing for the answer; each section lists its own.");
  for (const s of sections) if (s.notes.length > 0) parts.push(`- ${s.code}: ${s.notes.length} note(s), in [${s.file}](${s.file}).`);
  parts.push(
    "",
    "## Data and options",
    "",
    `- Source: ${escapeMarkdown(meta.source)}; workspace ${escapeMarkdown(meta.workspace)}.`,
    `- Statistics: ${f.ciMethod} bootstrap, ${f.resamples} resamples, seed ${f.seed}, ${Math.round(f.confidence * 100)}% intervals, p-values adjusted by ${f.adjust === "holm" ? "Holm" : "Benjamini-Hochberg"}.`,
    `- Formats ranked by ${escapeMarkdown(f.metrics.join(", "))}; ${escapeMarkdown(r.optimizers.options.treatment)} vs ${escapeMarkdown(r.optimizers.options.baseline)} compared on ${escapeMarkdown(r.optimizers.options.selector)} ${escapeMarkdown(r.optimizers.options.metric)}.`,
    "- Numbers in these pages are rounded (4 significant digits, p-values 2); the CSV and JSON files hold them at full precision.",
    "- The same functions with the same options draw the site's pages, so the numbers match them."
  );
  return parts.join("\n") + "\n";
}

/** Every file of the report: README.md (the answer), one page per analysis, charts, tables, manifest. */
export function renderReport(r: ResearchResults, meta: ReportMeta, data: ResearchData): ReportFile[] {
  const runs: RunLinks = new Map(
    data.runs.map((run) => [run.run_id, {name: typeof run.name === "string" ? run.name : null, url: typeof run.url === "string" ? run.url : null}])
  );
  const counts = {runs: data.runs.length, historyRows: historyLength(data.history)};
  const ft = r.formats.tables;
  const fa = r.failures.tables;
  const op = r.optimizers.tables;
  const sections: Section[] = [
    {
      key: "formats", code: "ANAL-01", title: "Formats compared", file: "formats.md", subset: r.formats.subset, findings: r.formats.findings, notes: r.formats.notes,
      tables: [ft.ranking, ft.pairwise, ft.sweetSpots, ft.layerTypes, ft.quantization, ft.runs], charts: formatsCharts(r.formats)
    },
    {
      key: "failures", code: "ANAL-02", title: "Why runs failed", file: "failures.md", subset: r.failures.subset, findings: r.failures.findings, notes: r.failures.notes,
      tables: [fa.modes, fa.rates, fa.associationTests, fa.associations, fa.byStep, fa.byTime, fa.suggestions, fa.sparsity, fa.windowSummary, fa.windows, fa.runs],
      charts: failuresCharts(r.failures)
    },
    {
      key: "optimizers", code: "ANAL-03", title: `${r.optimizers.options.treatment} vs ${r.optimizers.options.baseline}`, file: "optimizers.md",
      subset: r.optimizers.subset, findings: r.optimizers.findings, notes: r.optimizers.notes, tables: [op.effects, op.pairs, op.across, op.curves], charts: optimizersCharts(r.optimizers)
    }
  ];
  const files: ReportFile[] = [];
  files.push({path: "README.md", content: answerMarkdown(r, sections, meta, runs, counts)});
  for (const s of sections) {
    files.push({path: s.file, content: sectionMarkdown(s, meta, runs)});
    for (const c of s.charts) files.push({path: `charts/${c.file}`, content: c.svg});
  }
  const allTables: {section: string; table: ResearchTable}[] = [
    ...sections.flatMap((s) => s.tables.map((table) => ({section: s.key, table}))),
    ...[r.answer.tables.benefit, r.answer.tables.why, r.answer.tables.robustness].map((table) => ({section: "answer", table}))
  ];
  for (const {section, table} of allTables) {
    files.push({path: tablePath(section, table, "csv"), content: tableToCsv(table)});
    files.push({path: tablePath(section, table, "json"), content: tableToJson(table)});
  }
  const manifest = {
    generator: GENERATOR,
    generatedAt: meta.generatedAt,
    source: meta.source,
    workspace: meta.workspace,
    counts,
    answer: {question: r.answer.question, status: r.answer.status, headline: r.answer.headline, paragraphs: r.answer.paragraphs, best: r.answer.best, notes: r.answer.notes},
    sections: Object.fromEntries(
      sections.map((s) => [
        s.key,
        {
          code: s.code, title: s.title, file: s.file, compared: s.subset.description, findings: s.findings, notes: s.notes,
          charts: s.charts.map((c) => `charts/${c.file}`),
          tables: s.tables.map((t) => ({id: t.id, title: t.title, rows: t.rows.length, csv: tablePath(s.key, t, "csv"), json: tablePath(s.key, t, "json")}))
        }
      ])
    ),
    options: {formats: r.formats.options, failures: r.failures.options, optimizers: r.optimizers.options}
  };
  files.push({path: MANIFEST, content: JSON.stringify(manifest, null, 1) + "\n"});
  return files;
}

/** A few lines for the terminal: the answer, the headline numbers, what could not be computed. */
export function summaryLines(r: ResearchResults): string[] {
  const notes = r.formats.notes.length + r.failures.notes.length + r.optimizers.notes.length + r.answer.notes.length;
  return [
    `answer (${r.answer.status}): ${r.answer.headline}`,
    ...(r.failures.findings[0] ? [`failures: ${r.failures.findings[0]}`] : []),
    ...(r.formats.findings[0] ? [`formats: ${r.formats.findings[0]}`] : []),
    `${notes} note(s) on what could not be computed or caveats (in each page's last section)`
  ];
}
