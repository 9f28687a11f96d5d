// The render worker thread's program, bundled on its own (see worker-script.ts).
import { runRenderWorker } from "./worker.ts";

runRenderWorker();
