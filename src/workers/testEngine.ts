// Shared scaffolding for the engine's Node tests: the bundled pack served from public/ as the
// static site serves it, engine deps on tfjs cpu (or wasm), a call context, a test tone.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { memoryModelStore } from '../runtime/modelStore';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import type { AdapterProbe } from '../runtime/backend';
import { patchWasmKernels } from '../runtime/wasmKernels';
import type { EngineDeps } from './engine';
import type { CallContext, Progress } from './protocol';

const PUBLIC = new URL('../../public/', import.meta.url).pathname;
export const MANIFEST = 'http://studio.test/models/studio/manifest.json';

/** Serves public/ from disk like the static site does; `tamper` edits a file's bytes. */
export function diskFetch(tamper?: (path: string, b: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>) {
  return async (url: string) => {
    const path = new URL(url).pathname.slice(1);
    try {
      let bytes = new Uint8Array(readFileSync(PUBLIC + path));
      if (tamper) bytes = tamper(path, bytes);
      return new Response(bytes, { status: 200 });
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

/** tfjs on wasm in Node (single-threaded, with the studio's kernel fixes): for tests that train. */
export const useWasm = async (): Promise<'wasm'> => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  patchWasmKernels();
  return 'wasm';
};

export function deps(over: Partial<EngineDeps> = {}, probe: AdapterProbe = { available: false, isFallback: false, description: '' }): EngineDeps {
  return {
    fetch: diskFetch(), probe: async () => probe, createSession: (b) => createNodeOrtSession(b),
    useTf: async () => { await tf.setBackend('cpu'); return 'cpu' as const; },
    modelStore: memoryModelStore(),
    ...over,
  };
}

export function ctx(progress: Progress[] | CallContext['progress'] = []): CallContext {
  const report = Array.isArray(progress) ? (p: Progress) => progress.push(p) : progress;
  return { signal: new AbortController().signal, progress: report, transfer: () => {} };
}

export const tone = (n: number, sr: number, hz: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / sr));
