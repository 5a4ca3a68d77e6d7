// Worker thread bootstrap: register tsx (TypeScript) in this thread, then start the analysis worker.
// A worker does not inherit the main thread's loader hooks when those were registered in process
// (bin/runlens.js, vitest), so it registers its own.
import {register} from "tsx/esm/api";

register();
await import("./worker.ts");
