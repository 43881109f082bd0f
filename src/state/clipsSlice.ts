import { StudioError } from '../errors/StudioError';
import type { SliceContext } from './context';
import { canRetry, toErrorInfo } from './errors';
import { mixToMono, transferables } from './mono';
import { createSerialQueue } from './queue';
import type { Clip, ClipsSlice, DecodedFile } from './types';
import type { TokenizeResult } from '../workers/protocol';

export function createClipsSlice(ctx: SliceContext): ClipsSlice {
  const decodeQueue = createSerialQueue();
  const tokenizeQueue = createSerialQueue();
  const controllers = new Map<string, AbortController>();
  let nextId = 0;

  const alive = (id: string) => ctx.get().clips.some((c) => c.id === id);
  const patch = (id: string, p: Partial<Clip>) =>
    ctx.set((s) => ({ clips: s.clips.map((c) => (c.id === id ? { ...c, ...p } : c)) }));
  const cancelled = () => new StudioError('CANCELLED');

  async function decodeStep(id: string, file: File): Promise<DecodedFile> {
    return decodeQueue.run(async () => {
      if (!alive(id)) throw cancelled();
      patch(id, { progress: { value: null, label: 'Decoding…' } });
      ctx.get().announce(`Decoding ${file.name}…`);
      return ctx.decode(file);
    });
  }

  /** Tokenizes the clip's kept mono audio; the copy the engine takes is made only when its turn comes. */
  async function tokenizeStep(id: string, name: string, signal: AbortSignal): Promise<TokenizeResult> {
    return tokenizeQueue.run(async () => {
      if (!alive(id)) throw cancelled();
      patch(id, { progress: { value: null, label: 'Waiting for the engine…' } });
      await ctx.gate.wait();
      if (!alive(id)) throw cancelled();
      patch(id, { progress: { value: 0, label: 'Tokenizing…' } });
      ctx.get().announce(`Tokenizing ${name}… 0%`);
      const original = ctx.get().clips.find((c) => c.id === id)?.original;
      if (!original) throw new StudioError('INTERNAL', `${name} has no decoded audio to tokenize`);
      const pcm = original.pcm.slice(); // the engine takes this one
      let lastTenth = 0;
      return ctx.engine.tokenize(
        { channels: [pcm], sampleRate: original.sampleRate, name },
        {
          signal,
          transfer: transferables([pcm]),
          onProgress: (p) => {
            if (!alive(id)) return;
            patch(id, { progress: { value: p.value, label: p.label || 'Tokenizing…' } });
            const tenth = Math.floor(p.value * 10);
            if (tenth > lastTenth && tenth < 10) {
              lastTenth = tenth;
              ctx.get().announce(`Tokenizing ${name}… ${tenth * 10}%`);
            }
          },
        },
      );
    });
  }

  /**
   * Tokenizes a decoded clip from its kept mono audio (the same tokens as its channels: the engine's
   * own fold-down), so no file's channels wait in memory behind the tokenize queue: ready, or its
   * error (a lost GPU is retried once, on the backend the app reloaded).
   */
  async function tokenizeClip(id: string, name: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await tokenizeStep(id, name, signal);
        if (!alive(id)) return;
        patch(id, { status: 'ready', result, progress: undefined, error: undefined });
        ctx.get().announce(`${name} ready: ${(result.pcm.length / result.sampleRate).toFixed(1)} s, ${result.k} × ${result.t} tokens`, { kind: 'clip', id });
        return;
      } catch (err) {
        if (!alive(id)) return;
        if (attempt === 0 && err instanceof StudioError && err.code === 'GPU_DEVICE_LOST') {
          continue; // the store is already reloading the pack on WASM (onGpuLost); tokenizeStep waits for it
        }
        throw err;
      }
    }
  }

  function failed(id: string, name: string, err: unknown): void {
    if (!alive(id)) return;
    const error = toErrorInfo(err);
    patch(id, { status: 'error', error, progress: undefined });
    ctx.get().announce(`${name}: ${error.message}`);
  }

  /**
   * One line for a batch of files once all are done, so a failure is not lost among the per-file
   * messages: "3 files: 2 ready, 1 not loaded (notes.wav: …)", with Show on the first failure.
   */
  function summarize(ids: string[]): void {
    const clips = ctx.get().clips.filter((c) => ids.includes(c.id));
    const failed = clips.filter((c) => c.status === 'error');
    if (clips.length < 2 && failed.length === 0) return; // one good file: its own message said it
    const ready = clips.filter((c) => c.status === 'ready');
    const first = failed[0];
    const why = first ? ` (${first.name}: ${first.error?.message ?? 'failed'}${failed.length > 1 ? `; ${failed.length - 1} more` : ''})` : '';
    const show = first ?? ready[0];
    ctx.get().announce(
      `${clips.length} file${clips.length === 1 ? '' : 's'}: ${ready.length} ready${failed.length ? `, ${failed.length} not loaded${why}` : ''}.`,
      show ? { kind: 'clip', id: show.id } : undefined,
    );
  }

  /** Decodes a file into the clip's facts and kept mono audio; its channels are dropped on return. */
  async function decodeInto(id: string, file: File): Promise<boolean> {
    const decoded = await decodeStep(id, file);
    if (!alive(id)) return false;
    const frames = decoded.channels[0]?.length ?? 0;
    patch(id, {
      status: 'tokenizing',
      sourceRate: decoded.sampleRate,
      sourceChannels: decoded.channels.length,
      durationSec: decoded.sampleRate > 0 ? frames / decoded.sampleRate : 0,
      container: decoded.container,
      original: { pcm: mixToMono(decoded.channels), sampleRate: decoded.sampleRate },
      progress: { value: null, label: 'Queued for tokenizing…' },
    });
    return true;
  }

  /** A decoded clip tokenized again from its kept audio (a retry, another pack), with its own cancel handle meanwhile. */
  async function tokenizeAgain(clip: Clip, p: Partial<Clip>): Promise<void> {
    const ac = new AbortController();
    controllers.set(clip.id, ac);
    patch(clip.id, { status: 'tokenizing', ...p });
    try {
      await tokenizeClip(clip.id, clip.name, ac.signal);
    } catch (err) {
      failed(clip.id, clip.name, err);
    } finally {
      controllers.delete(clip.id);
    }
  }

  async function processFile(id: string, file: File): Promise<void> {
    const ac = new AbortController();
    controllers.set(id, ac);
    try {
      if (await decodeInto(id, file)) await tokenizeClip(id, file.name, ac.signal);
    } catch (err) {
      failed(id, file.name, err);
    } finally {
      controllers.delete(id);
    }
  }

  return {
    clips: [],
    async addFiles(files, captions) {
      const added: Clip[] = files.map((f) => ({
        id: `clip-${++nextId}`,
        name: f.name,
        status: 'decoding',
        sourceRate: 0,
        sourceChannels: 0,
        durationSec: 0,
        container: '',
        progress: { value: null, label: 'Waiting to decode…' },
      }));
      if (added.length === 0) return;
      const given = added.flatMap((c, i) => (captions?.[i] ? [[c.id, captions[i]] as const] : []));
      ctx.set((s) => ({ clips: [...s.clips, ...added], ...(given.length ? { captions: { ...s.captions, ...Object.fromEntries(given) } } : {}) }));
      await Promise.all(added.map((c, i) => processFile(c.id, files[i])));
      summarize(added.map((c) => c.id));
    },
    async retryClip(id) {
      const clip = ctx.get().clips.find((c) => c.id === id);
      if (!clip?.error || !canRetry(clip.error) || !clip.original || controllers.has(id)) return;
      await tokenizeAgain(clip, { error: undefined, progress: { value: null, label: 'Queued for tokenizing…' } });
    },
    async retokenizeClips() {
      // A new pack's codec: every ready clip's tokens (and reconstruction) come from its kept audio again.
      const todo = ctx.get().clips.filter((c) => c.status === 'ready' && c.original && !controllers.has(c.id));
      if (todo.length === 0) return;
      ctx.get().announce(`Tokenizing ${todo.length} clip${todo.length === 1 ? '' : 's'} again for this model pack…`);
      await Promise.all(todo.map((clip) => tokenizeAgain(clip, { result: undefined, progress: { value: null, label: 'Queued for tokenizing with this pack…' } })));
    },
    removeClip(id) {
      const clip = ctx.get().clips.find((c) => c.id === id);
      if (!clip) return;
      ctx.set((s) => ({ clips: s.clips.filter((c) => c.id !== id) }));
      controllers.get(id)?.abort();
      ctx.get().announce(`Removed ${clip.name}.`);
    },
  };
}
