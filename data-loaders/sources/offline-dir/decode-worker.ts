// Worker thread of the offline decode pool (parallel-decode.ts): decodes one run folder per message and
// posts the run back, its history columns' memory transferred rather than copied.
import {parentPort} from "node:worker_threads";
import {LogReadBuffer, readOfflineRun} from "../wandb-offline/index.js";
import {transferablesOf, type DecodeReply, type DecodeRequest} from "./decode-messages.js";

if (parentPort === null) throw new Error("decode-worker.ts must run in a worker thread");
const port = parentPort;
const buffer = new LogReadBuffer();
port.on("message", async ({index, folder}: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const run = await readOfflineRun(folder, {columnar: true, buffer});
    reply = {index, ok: true, run};
  } catch (error) {
    reply = {index, ok: false, message: (error as Error).message};
  }
  port.postMessage(reply, reply.ok ? transferablesOf(reply.run) : []);
});
port.postMessage({ready: true});
