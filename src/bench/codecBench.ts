// Browser harness for `npm run bench` and the backend-parity e2e test: runs the bundled codec
// directly (no UI, no worker) on a chosen ONNX Runtime backend and times it.
import { Codec } from '../codec/encodec';
import { fetchPackFile } from '../packs/fetchFile';
import { fileUrl } from '../packs/manifest';
import { fetchManifest } from '../workers/packFiles';
import type { BackendName } from '../runtime/backend';

async function loadCodec(backend: BackendName): Promise<Codec> {
  // A dynamic import keeps onnxruntime-web in its own chunk: its thread workers load that chunk,
  // and must not run this page's top-level code.
  const { createOrtSession } = await import('../runtime/ortSession');
  const manifestUrl = new URL('models/studio/manifest.json', document.baseURI).toString();
  const manifest = await fetchManifest(fetch, manifestUrl);
  const bytes = async (role: string) => fetchPackFile(fetch, fileUrl(manifestUrl, manifest.files[role]), manifest.files[role]);
  const enc = await createOrtSession(await bytes(manifest.codec.encoder), backend);
  const dec = await createOrtSession(await bytes(manifest.codec.decoder), backend);
  return new Codec(manifest.codec, enc, dec);
}

/** A deterministic test signal: a chord with a little vibrato and noise. */
function signal(seconds: number, sr: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const t = i / sr;
    x[i] = 0.1 * Math.sin(2 * Math.PI * 220 * t + 0.5 * Math.sin(2 * Math.PI * 5 * t))
      + 0.08 * Math.sin(2 * Math.PI * 277.18 * t) + 0.06 * Math.sin(2 * Math.PI * 329.63 * t) + 0.01 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

export interface CodecRun {
  backend: BackendName;
  seconds: number;
  encodeMs: number;
  decodeMs: number;
  codes: number[];
  audio: number[];
}

async function runCodec(backend: BackendName, seconds: number, repeats = 1): Promise<CodecRun> {
  const codec = await loadCodec(backend);
  const x = signal(seconds, codec.spec.sampleRate);
  await codec.decode(await codec.encode(x.subarray(0, codec.spec.hopLength * 4))); // warm-up (shader/wasm compile)
  let encodeMs = Infinity;
  let decodeMs = Infinity;
  let codes = await codec.encode(x);
  let y = await codec.decode(codes);
  for (let r = 0; r < repeats; r++) {
    let t0 = performance.now();
    codes = await codec.encode(x);
    encodeMs = Math.min(encodeMs, performance.now() - t0);
    t0 = performance.now();
    y = await codec.decode(codes);
    decodeMs = Math.min(decodeMs, performance.now() - t0);
  }
  return { backend, seconds, encodeMs, decodeMs, codes: Array.from(codes.codes), audio: Array.from(y.subarray(0, 32000)) };
}

/** Decodes given codes [K, T] on `backend` (for comparing backends on identical input). */
async function decodeOn(backend: BackendName, codes: number[], k: number, t: number): Promise<number[]> {
  const codec = await loadCodec(backend);
  return Array.from(await codec.decode({ codes: Int32Array.from(codes), k, t }));
}

declare global {
  interface Window {
    studioBench: {
      runCodec: typeof runCodec; decodeOn: typeof decodeOn;
      runApp: (backend: BackendName, seconds: number) => Promise<import('./appBench').AppRun>;
      runLm: (backend: BackendName, seconds: number) => Promise<import('./lmBench').LmRun>;
      runText: (backend: BackendName) => Promise<number[]>;
      lmLogits: (backend: BackendName, path?: 'ops' | 'stepper') => Promise<{ backend: string; layout: string; logits: number[] }>;
      runTrain: (backend: BackendName, steps: number) => Promise<import('./lmBench').TrainRun>;
      lmProfile: (backend: BackendName, ort?: BackendName | 'none', where?: 'here' | 'worker') => ReturnType<typeof import('./lmBench').lmProfile>;
      crossOriginIsolated: boolean;
      hardwareConcurrency: number;
    };
  }
}

window.studioBench = {
  runCodec, decodeOn,
  // Loaded on demand so the codec runs never import tfjs.
  runApp: async (b, s) => (await import('./appBench')).runApp(b, s),
  runLm: async (b, s) => (await import('./lmBench')).runLm(b, s),
  runText: async (b) => (await import('./lmBench')).runText(b),
  lmLogits: async (b, path) => (await import('./lmBench')).lmLogits(b, path),
  runTrain: async (b, n) => (await import('./lmBench')).runTrain(b, n),
  lmProfile: async (b, o, w) => (await import('./lmBench')).lmProfile(b, o, w),
  crossOriginIsolated: globalThis.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,
};
document.body.dataset.ready = 'true';
