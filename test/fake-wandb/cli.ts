// Run the fake W&B server on its own: `npx tsx test/fake-wandb/cli.ts [runsDir]`.
// Prints one JSON line {"url", "apiKey"} on stdout, then serves until SIGTERM/SIGINT or stdin closes.
// Options as JSON in FAKE_WANDB_OPTIONS (same fields as startFakeWandb's options).
import {startFakeWandb, type FakeWandbOptions} from "./server.js";

const options: FakeWandbOptions = process.env.FAKE_WANDB_OPTIONS ? JSON.parse(process.env.FAKE_WANDB_OPTIONS) : {};
if (process.argv[2]) options.runsDir = process.argv[2];
const fake = await startFakeWandb(options);
process.stdout.write(`${JSON.stringify({url: fake.url, apiKey: fake.apiKey})}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await fake.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
