import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// COOP/COEP make the page cross-origin isolated so onnxruntime-web can use threads.
// (tfjs-backend-wasm threads are switched off in src/runtime/tfBackend.ts: they crash under isolation.)
const headers = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  server: { headers },
  preview: { headers },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // No preload helper: it touches `document`, and onnxruntime-web's thread workers import the
    // chunks it would live in (a worker has no document, so ORT's threads would crash).
    modulePreload: false,
    // bench.html: the harness `npm run bench` and the backend-parity e2e test drive.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});
