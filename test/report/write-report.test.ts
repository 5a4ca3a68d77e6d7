import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {ReportWriteError, writeReportAtomically} from "../../data-loaders/report/write-report.js";
import {tempDir} from "../helpers/run-dir.js";

const manifest = {path: "report.json", content: JSON.stringify({generator: "runlens report"})};

describe("writing the report folder", () => {
  it("replaces a previous report as a whole (no file of the old one survives)", () => {
    const out = join(tempDir(), "reports");
    writeReportAtomically(out, [manifest, {path: "old.md", content: "old"}, {path: "charts/a.svg", content: "<svg/>"}]);
    writeReportAtomically(out, [manifest, {path: "README.md", content: "new"}]);
    expect(readdirSync(out).sort()).toEqual(["README.md", "report.json"]);
    expect(readdirSync(join(out, ".."))).toEqual(["reports"]);
  });

  it("leaves the previous report intact, and nothing temporary behind, when writing fails", () => {
    const out = join(tempDir(), "reports");
    writeReportAtomically(out, [manifest, {path: "README.md", content: "previous"}]);
    // "a" is a file, so "a/b" cannot be created: the write fails half-way.
    expect(() => writeReportAtomically(out, [manifest, {path: "README.md", content: "next"}, {path: "a", content: "x"}, {path: "a/b", content: "y"}])).toThrow();
    expect(readFileSync(join(out, "README.md"), "utf8")).toBe("previous");
    expect(readdirSync(join(out, ".."))).toEqual(["reports"]);
  });

  it("refuses to replace a folder that is not a report, and paths that leave the folder", () => {
    const project = tempDir();
    writeFileSync(join(project, "precious.txt"), "keep me");
    expect(() => writeReportAtomically(project, [manifest])).toThrow(ReportWriteError);
    expect(readFileSync(join(project, "precious.txt"), "utf8")).toBe("keep me");
    const empty = join(tempDir(), "empty");
    mkdirSync(empty);
    writeReportAtomically(empty, [manifest]);
    expect(existsSync(join(empty, "report.json"))).toBe(true);
    expect(() => writeReportAtomically(join(tempDir(), "r"), [{path: "../escape.md", content: ""}])).toThrow(/outside the report folder/);
  });
});
