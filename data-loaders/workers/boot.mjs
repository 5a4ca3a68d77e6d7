// Worker thread bootstrap: register tsx (TypeScript) in this thread, then import the module named by
// `workerData.entry` (a file URL). A worker does not inherit the main thread's loader hooks when those were
// registered in process (bin/runlens.js, vitest), so it registers its own.
import {register} from "tsx/esm/api";
import {workerData} from "node:worker_threads";

register();
await import(workerData.entry);
