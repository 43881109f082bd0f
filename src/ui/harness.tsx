// TEMPORARY visual harness (deleted before hand-off).
import { createRoot } from 'react-dom/client';
import '../styles.css';
import { createStudioStore } from '../state/store';
import { fakeDecode, fakeEngine, file } from '../state/testing';
import { App } from './App';
import { StoreProvider } from './StoreContext';

const fake = fakeEngine();
const e = fake.engine;
const sine = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => 0.4 * Math.sin(i * f) * Math.sin(i / 9000));
const origTok = e.tokenize;
e.tokenize = async (a, o) => { const r = await origTok(a, o); r.pcm = sine(r.pcm.length, 0.05); return r; };
e.chroma = async (a) => {
  const frames = Math.ceil(a.pcm.length / 512);
  const norm = Float32Array.from({ length: frames * 12 }, (_, i) => Math.abs(Math.sin(i * 0.37 + Math.floor(i / 12) * 0.05)));
  const argmax = Uint8Array.from({ length: frames }, (_, i) => (2 + Math.floor(i / 40)) % 12);
  await new Promise((r) => setTimeout(r, 300));
  return { frames, hopSeconds: 512 / a.sampleRate, norm, argmax };
};
const origGen = e.generate;
e.generate = async (a, o) => {
  const T = Math.round(a.seconds * 50);
  for (let s = 0; s < 20; s++) {
    if (o?.signal?.aborted) throw Object.assign(new Error('x'), { code: 'CANCELLED', message: 'Cancelled.' });
    await new Promise((r) => setTimeout(r, (window as unknown as { slow?: number }).slow ?? 40));
    o?.onProgress?.({ phase: 'generate', value: s / 20, label: 'Generating', generation: { step: (s * T) / 20, steps: T, tokensPerSecond: 42, etaSeconds: (20 - s) * 0.2 } });
  }
  const r = await origGen(a, { ...o, onProgress: undefined });
  r.pcm = sine(r.pcm.length, 0.02 + (a.seed % 7) * 0.01);
  return r;
};
const auto = location.search.includes('auto');
const store = createStudioStore(e, auto ? { decode: fakeDecode } : {});
(window as unknown as { store: typeof store }).store = store;
void store.getState().initEngine().then(() => auto && store.getState().addFiles([file('demo.flac'), file('drums.flac')]));
createRoot(document.getElementById('root')!).render(<StoreProvider store={store}><App /></StoreProvider>);
