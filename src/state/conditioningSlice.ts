import type { SliceContext } from './context';
import { toErrorInfo } from './errors';
import { findSource } from './sources';
import type { AudioSource, ChromaEntry, ConditioningSlice } from './types';

export interface ConditioningOptions {
  debounceMs: number;
}

/** Prompt (with its live token count) and melody (with a chroma cache per source). */
export function createConditioningSlice(ctx: SliceContext, o: ConditioningOptions): ConditioningSlice {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  const setChroma = (id: string, entry: ChromaEntry | null) =>
    ctx.set((s) => {
      const chroma = { ...s.chroma };
      if (entry) chroma[id] = entry;
      else delete chroma[id];
      return { chroma };
    });

  async function measure(text: string, mySeq: number): Promise<void> {
    try {
      await ctx.gate.wait();
      if (mySeq !== seq) return;
      const info = ctx.get().engine.info;
      if (info && !info.text) {
        ctx.set({ promptInfo: undefined, promptInfoError: undefined });
        return;
      }
      const result = await ctx.engine.promptInfo({ text });
      if (mySeq !== seq) return;
      ctx.set({ promptInfo: { text, info: result }, promptInfoError: undefined });
    } catch (err) {
      if (mySeq !== seq) return;
      ctx.set({ promptInfoError: toErrorInfo(err) });
    }
  }

  const computing = new Map<string, Promise<void>>();

  /** Chroma of a source, computed by the engine (one at a time per source: `computing`). */
  async function compute(id: string, src: AudioSource): Promise<void> {
    try {
      await ctx.gate.wait();
      // The engine takes the buffer; the clip keeps its own.
      const pcm = src.pcm.slice();
      const result = await ctx.engine.chroma({ pcm, sampleRate: src.sampleRate }, { transfer: [pcm.buffer] });
      if (!findSource(ctx.get(), id)) return setChroma(id, null);
      setChroma(id, { status: 'ready', result });
      if (ctx.get().melodyId === id) ctx.get().announce(`Chroma of ${src.name} ready.`);
    } catch (err) {
      if (!findSource(ctx.get(), id)) return setChroma(id, null);
      const error = toErrorInfo(err);
      setChroma(id, { status: 'error', error });
      ctx.get().announce(`Chroma of ${src.name} failed: ${error.message}`);
    }
  }

  return {
    prompt: '',
    promptInfo: undefined,
    promptInfoError: undefined,
    melodyId: null,
    chroma: {},

    setPrompt(prompt) {
      ctx.set({ prompt });
      const text = prompt.trim();
      const mySeq = ++seq;
      if (timer) clearTimeout(timer);
      timer = null;
      if (text === '') {
        // Unconditional: nothing to measure.
        ctx.set({ promptInfo: undefined, promptInfoError: undefined });
        return;
      }
      timer = setTimeout(() => {
        timer = null;
        void measure(text, mySeq);
      }, o.debounceMs);
    },

    setMelody(id) {
      if (id !== null && !findSource(ctx.get(), id)) return;
      ctx.set({ melodyId: id });
      if (id === null) {
        ctx.get().announce('No melody.');
        return;
      }
      const src = findSource(ctx.get(), id);
      ctx.get().announce(`Melody: ${src?.name ?? id}.`);
      void ctx.get().ensureChroma(id);
    },

    async ensureChroma(id) {
      const cached = ctx.get().chroma[id];
      if (cached?.status === 'computing') return computing.get(id);
      if (cached && cached.status !== 'error') return;
      const src = findSource(ctx.get(), id);
      if (!src) return;
      setChroma(id, { status: 'computing' });
      const done = compute(id, src);
      computing.set(id, done);
      try {
        await done;
      } finally {
        computing.delete(id);
      }
    },
  };
}
