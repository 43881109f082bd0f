/**
 * A macrotask break for long loops in a worker: `await` on settled promises only runs microtasks,
 * so a generation loop on WASM would otherwise never let the worker handle its messages (a
 * decoded window coming back from the ORT worker, a cancel) until the take is done. No timer
 * clamping: setImmediate in Node, a MessageChannel round trip in browsers.
 */
type Resolve = () => void;

let post: ((r: Resolve) => void) | null = null;

function poster(): (r: Resolve) => void {
  if (typeof setImmediate === 'function') return (r) => setImmediate(r);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const waiting: Resolve[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return (r) => {
      waiting.push(r);
      channel.port2.postMessage(null);
    };
  }
  return (r) => setTimeout(r, 0);
}

export function yieldToEventLoop(): Promise<void> {
  post ??= poster();
  return new Promise<void>((r) => post!(r));
}

/** Yields when more than `sliceMs` passed since the last yield it made: cheap to call every step. */
export function timeSlicer(sliceMs = 16): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await yieldToEventLoop();
    last = performance.now();
  };
}
