#!/usr/bin/env node
// runlens command line. The commands are TypeScript modules under data-loaders/cli, run through tsx.
import {register} from "tsx/esm/api";

register();

const COMMANDS = {
  analyze: ["../data-loaders/cli/analyze.ts", "analyzeCommand", "run the checkpoint analyses over model folders, writing artifacts beside the checkpoints"],
  artifacts: ["../data-loaders/cli/artifacts.ts", "artifactsCommand", "download W&B artifacts (checkpoints, analysis outputs), list a run's artifacts"],
  report: ["../data-loaders/cli/report.ts", "reportCommand", "write the research report (markdown, SVG charts, CSV/JSON tables) into reports/"],
  pull: ["../data-loaders/cli/pull.ts", "pullCommand", "pull W&B projects into the local cache, then rebuild the workspace"],
  workspace: ["../data-loaders/cli/workspace.ts", "workspaceCommand", "build the Parquet workspace from the configured sources"]
};

const [name, ...args] = process.argv.slice(2);
const command = COMMANDS[name];
if (!command) {
  const list = Object.entries(COMMANDS).map(([key, [, , help]]) => `  runlens ${key.padEnd(10)} ${help}`).join("\n");
  process.stderr.write(`${name && name !== "help" && name !== "--help" ? `runlens: unknown command "${name}"\n\n` : ""}usage:\n${list}\n`);
  process.exitCode = name && name !== "help" && name !== "--help" ? 2 : 0;
} else {
  const module = await import(new URL(command[0], import.meta.url).href);
  process.exitCode = await module[command[1]](args);
}
