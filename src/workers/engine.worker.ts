/// <reference lib="webworker" />
// The engine worker's entry: wiring only. The engine itself lives in engine.ts (tested in Node).
import { createEngineHandlers } from './engine';
import { serveEngine } from './host';

// tsconfig also loads the DOM lib, which types `self` as a Window; inside this file it is a worker scope.
serveEngine(createEngineHandlers(), self as unknown as DedicatedWorkerGlobalScope);
