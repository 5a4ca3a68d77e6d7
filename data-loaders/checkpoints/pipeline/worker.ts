// Worker thread of the analysis pool: analyses whole checkpoints, one task at a time, and posts the
// plain-data outcome back (see analyse-checkpoint.ts).
import {parentPort} from "node:worker_threads";
import {analyseCheckpoint, type CheckpointTask} from "./analyse-checkpoint.js";

if (parentPort === null) throw new Error("worker.ts must run in a worker thread");
const port = parentPort;
port.on("message", (task: CheckpointTask) => port.postMessage(analyseCheckpoint(task)));
port.postMessage({ready: true});
