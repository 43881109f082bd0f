// Browser harness: a take as the app makes it. The studio's own engine worker (with its ORT
// worker) loads the bundled pack on `backend`, then generates `seconds` of music from a prompt
// twice; each time is measured from the call to the WAV-ready PCM (text encoder, LM, decoder).
import type { BackendName } from '../runtime/backend';
import { startEngine } from '../workers/startEngine';

export interface AppRun {
  backend: string;
  seconds: number;
  /** Engine start and pack load (ONNX sessions, LM weights). */
  loadMs: number;
  /** Prompt to PCM, first take after loading (includes first-use compilation). */
  firstMs: number;
  /** The same for a second take: what pressing Generate again costs. */
  secondMs: number;
  /** The LM's share of the second take. */
  lmMs: number;
}

export async function runApp(backend: BackendName, seconds: number): Promise<AppRun> {
  const engine = startEngine();
  try {
    let t = performance.now();
    const info = await engine.init({ manifestUrl: new URL('models/studio/manifest.json', document.baseURI).toString(), backend });
    const loadMs = performance.now() - t;
    const d = info.lm!.defaults;
    const take = async (seed: number) => {
      t = performance.now();
      const r = await engine.generate({ prompt: 'calm piano in C major, 90 bpm', seconds, temperature: d.temperature, topK: d.topK, topP: d.topP, cfg: d.cfg, seed });
      return { ms: performance.now() - t, lmMs: r.lmMs };
    };
    const first = await take(1);
    const second = await take(2);
    return { backend: info.lmBackend ?? info.backend, seconds, loadMs, firstMs: first.ms, secondMs: second.ms, lmMs: second.lmMs };
  } finally {
    engine.terminate();
  }
}
