import { StudioError } from '../errors/StudioError';
import { takePrompt } from '../eval/promptFacts';
import type { MelodyChroma } from '../lm/melody';
import { longestTake, type EngineInfo, type LmInfo } from '../workers/protocol';
import type { SliceContext } from './context';
import { isCancel, toErrorInfo } from './errors';
import { continuePoint, prepareContinuation, recode } from './continuation';
import { codesHash, findSource, parseSeed } from './sources';
import type { GenerationParams, GenerationSettings, GenerationSlice, LiveAudioSink, Take } from './types';
import { pruneHistory, takeId, takeNumberOf, type TakeHistory } from './takeHistory';

/** audiocraft's defaults, used until the pack's LM says otherwise. */
export const FALLBACK_DEFAULTS: LmInfo['defaults'] = { seconds: 10, temperature: 1, topK: 250, topP: 0, cfg: 3 };
export const MAX_VARIATIONS = 4;
/** Random seeds stay below 2^31 so they read well and survive any int32 path. */
const RANDOM_SEED_RANGE = 2 ** 31;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The guidance a take gets while the user has not chosen one: the pack's continuation guidance when it continues audio, else its default. */
export function defaultCfg(d: LmInfo['defaults'], continuing: boolean): number {
  return continuing && d.continuationCfg !== undefined ? d.continuationCfg : d.cfg;
}

/** `st` with the guidance its mode calls for while the user has not chosen one (`st` itself when nothing changes). */
export function withDefaultCfg(st: GenerationSettings, d: LmInfo['defaults']): GenerationSettings {
  if (st.cfgChosen) return st;
  const cfg = defaultCfg(d, st.continueFrom !== null);
  return cfg === st.cfg ? st : { ...st, cfg };
}

export interface GenerationOptions {
  random: () => number;
  history?: TakeHistory;
}

export function createGenerationSlice(ctx: SliceContext, o: GenerationOptions): GenerationSlice {
  let controller: AbortController | null = null;
  let finishing: AbortController | null = null; // the run whose take was asked to finish early
  let listening: LiveAudioSink | undefined; // the running generation's live sink (absent when not listening)
  let takeCount = 0;
  const drawSeed = () => Math.floor(o.random() * RANDOM_SEED_RANGE);
  const setGeneration = (p: Partial<GenerationSlice['generation']>) =>
    ctx.set((s) => ({ generation: { ...s.generation, ...p } }));
  // Saving is best effort: a full or blocked storage keeps the take for this session and says so.
  const keep = async (take: Take) => {
    const h = o.history;
    if (!h) return;
    try {
      await h.put(take);
      await pruneHistory(h);
      if (ctx.get().historyProblem) ctx.set({ historyProblem: null }); // saving works again
    } catch (e) {
      const name = (e as DOMException)?.name;
      ctx.set({ historyProblem: name === 'QuotaExceededError'
        ? 'Browser storage is full: new takes are kept for this session only. Remove old takes or free space to keep them.'
        : `Browser storage refused the take (${name ?? String(e)}): new takes are kept for this session only.` });
    }
  };
  const fail = (err: unknown) => {
    const error = toErrorInfo(err);
    setGeneration({ error });
    ctx.get().announce(`Generation failed: ${error.message}`);
  };

  /** The chosen melody's chroma (computed now if it is not yet); undefined when none is chosen. */
  async function chosenMelody(): Promise<MelodyChroma | undefined> {
    const id = ctx.get().melodyId;
    if (!id) return undefined;
    await ctx.get().ensureChroma(id);
    const c = ctx.get().chroma[id];
    if (c?.status !== 'ready') {
      throw new StudioError('GENERATE_INVALID', `The melody has no chroma to follow${c?.status === 'error' ? ` (${c.error.message})` : ''}: choose it again or pick another.`);
    }
    return { argmax: c.result.argmax, hopSeconds: c.result.hopSeconds };
  }

  async function run(): Promise<void> {
    const s = ctx.get();
    const lm = s.engine.info?.lm;
    if (!lm) return fail(new StudioError('INTERNAL', 'This model pack has no language model, so it cannot generate.'));
    const st = s.genSettings;
    const seed0 = parseSeed(st.seed);
    if (seed0 === null) return fail(new StudioError('GENERATE_INVALID', `The seed must be a whole number from 0 to 4294967295 (got "${st.seed}").`));
    const base = seed0 === 'random' ? drawSeed() : seed0;
    const n = clamp(Math.round(st.variations) || 1, 1, MAX_VARIATIONS);
    const params: GenerationParams = {
      seconds: clamp(st.seconds, 1, longestTake(lm)),
      temperature: st.temperature,
      topK: Math.max(0, Math.round(st.topK)),
      topP: clamp(st.topP, 0, 1),
      cfg: st.cfg,
    };
    const prepared = st.continueFrom ? prepareContinuation(s, st.continueFrom, params.seconds) : undefined;
    if (prepared instanceof StudioError) return fail(prepared);
    let continuation = prepared?.args;
    const contInfo = prepared?.info;
    // An empty box continues what was heard: its key and tempo as the prompt (the take records it).
    const prompt = takePrompt(s.prompt, continuation?.key, continuation?.tempo);

    const ac = new AbortController();
    controller = ac;
    const live = st.listen ? ctx.live : undefined; // this run's takes play while they generate
    listening = live;
    ctx.set({ generation: { running: true, progress: { take: 1, takes: n, value: 0 } } });
    ctx.get().announce(n > 1 ? `Generating ${n} takes…` : 'Generating…');
    try {
      await ctx.gate.wait();
      if (prepared?.foreign) continuation = await recode(ctx.engine, prepared, ctx.get().engine.info!.codec.frameRate, ac.signal);
      const melody = lm.conditioning === 'prefix' ? await chosenMelody() : undefined; // a melody LM follows the chosen melody
      for (let i = 0; i < n; i++) {
        if (ac.signal.aborted) return;
        if (finishing === ac) { // Keep what's made before this take began: nothing of it to keep
          ctx.get().announce(i === 0 ? 'Nothing was made yet, so there is no take to keep.' : `Kept ${i} take${i === 1 ? '' : 's'}; no more for this click.`);
          return;
        }
        const seed = (base + i) >>> 0;
        const progress = { take: i + 1, takes: n, value: i / n };
        setGeneration({ progress });
        if (i > 0) ctx.get().announce(`Generating take ${i + 1} of ${n}…`);
        let lastTenth = 0;
        let eta = Infinity;
        live?.begin(i === 0);
        // Each call gets its own copy: the engine takes the buffer.
        const cont = continuation && { ...continuation, codes: continuation.codes.slice() };
        const result = await ctx.engine.generate(
          { prompt, ...params, seed, ...(cont ? { continuation: cont } : {}), ...(melody ? { melody } : {}) },
          {
            signal: ac.signal,
            transfer: cont ? [cont.codes.buffer] : [],
            onProgress: (p) => {
              if (controller !== ac) return;
              if (p.generation) eta = p.generation.etaSeconds;
              if (p.audio) live?.window(p.audio, eta);
              setGeneration({ progress: { ...progress, value: (i + clamp(p.value, 0, 1)) / n, engine: p } });
              const tenth = Math.floor(clamp(p.value, 0, 1) * 10);
              if (tenth > lastTenth && tenth < 10) {
                lastTenth = tenth;
                ctx.get().announce(`Generating take ${i + 1} of ${n}… ${tenth * 10}%`);
              }
            },
          },
        );
        if (ac.signal.aborted || controller !== ac) return; // stopped: the take is dropped (stop() silenced it)
        const early = finishing === ac && result.t < Math.round(params.seconds * (ctx.get().engine.info?.codec.frameRate ?? 50));
        live?.end('done');
        const take: Take = {
          id: takeId(++takeCount),
          number: takeCount,
          prompt,
          params,
          seed: result.seed,
          continuation: contInfo,
          packId: ctx.get().engine.info?.packId,
          result,
          durationSec: result.sampleRate > 0 ? result.pcm.length / result.sampleRate : 0,
          codesHash: codesHash(result.codes, result.k, result.t),
          createdAt: Date.now(),
        };
        ctx.set((st2) => ({ takes: [take, ...st2.takes] }));
        void keep(take);
        ctx.get().announce(
          `Take ${take.number} ready${n > 1 && !early ? ` (${i + 1} of ${n})` : ''}: seed ${take.seed}, ${take.durationSec.toFixed(1)} s${early ? ', finished early' : ''}.`,
          { kind: 'take', id: take.id },
        );
        if (early) return; // finished early: no further variations
      }
    } catch (err) {
      live?.end('stopped');
      if (controller !== ac) return;
      if (isCancel(err)) ctx.get().announce('Generation stopped.');
      else fail(err);
    } finally {
      if (controller === ac) {
        controller = null;
        setGeneration({ running: false, progress: undefined });
      }
    }
  }

  return {
    genSettings: { ...FALLBACK_DEFAULTS, seed: '', variations: 1, continueFrom: null, cfgChosen: false, listen: true },
    generation: { running: false },
    takes: [],
    historyProblem: null,

    setGenSettings(patch) {
      const defaults = ctx.get().engine.info?.lm?.defaults ?? FALLBACK_DEFAULTS;
      ctx.set((s) => {
        // a guidance set by hand (or by a shared link) stays through continuations; otherwise it follows the mode
        const cfgChosen = patch.cfgChosen ?? (patch.cfg !== undefined || s.genSettings.cfgChosen);
        return { genSettings: withDefaultCfg({ ...s.genSettings, ...patch, cfgChosen }, defaults) };
      });
    },
    randomizeSeed() {
      const seed = String(drawSeed());
      ctx.set((s) => ({ genSettings: { ...s.genSettings, seed } }));
      ctx.get().announce(`Seed set to ${seed}.`);
    },
    resetSampling() {
      const d = ctx.get().engine.info?.lm?.defaults ?? FALLBACK_DEFAULTS;
      ctx.set((s) => ({
        genSettings: withDefaultCfg({ ...s.genSettings, temperature: d.temperature, topK: d.topK, topP: d.topP, cfgChosen: false }, d),
      }));
      ctx.get().announce('Sampling settings reset to the model defaults.');
    },
    continueFrom(id, startSec) {
      const src = findSource(ctx.get(), id);
      if (!src) return;
      // The length is the whole take (kept part included, as in audiocraft): make room for new music.
      const lm = ctx.get().engine.info?.lm;
      const max = lm ? longestTake(lm) : Infinity;
      const wanted = clamp(startSec ?? src.durationSec, 0, src.durationSec);
      const at = continuePoint(wanted, max, lm?.defaults.seconds ?? 4);
      const wasCfg = ctx.get().genSettings.cfg;
      ctx.set((s) => {
        const seconds = s.genSettings.seconds > at ? s.genSettings.seconds : Math.min(max, at + (lm?.defaults.seconds ?? 4));
        return { genSettings: withDefaultCfg({ ...s.genSettings, seconds, continueFrom: { sourceId: id, startSec: at } }, lm?.defaults ?? FALLBACK_DEFAULTS) };
      });
      const now = ctx.get().genSettings;
      const guidance = now.cfg !== wasCfg ? ` Guidance ${now.cfg} while continuing.` : '';
      const cut = at < wanted ? ` (a take lasts at most ${max.toFixed(0)} s)` : '';
      ctx.get().announce(`Continue from ${src.name} at ${at.toFixed(1)} s${cut}; the take will last ${now.seconds.toFixed(1)} s.${guidance}`);
    },
    async generate() {
      if (ctx.get().generation.running) return;
      setGeneration({ error: undefined });
      await run();
    },
    finishGeneration() {
      const ac = controller;
      if (!ac || finishing === ac) return;
      finishing = ac; // this click makes no further takes
      ctx.get().announce('Finishing the take with what is made so far…');
      ctx.engine.finishGeneration({}).catch(() => {}); // a take already done simply arrives whole
    },
    stopGeneration() {
      const ac = controller;
      if (!ac) return;
      controller = null;
      ac.abort();
      listening?.end('stopped');
      ctx.set({ generation: { running: false } });
      ctx.get().announce('Generation stopped; the unfinished take was dropped.');
    },
    removeTake(id) {
      const take = ctx.get().takes.find((t) => t.id === id);
      if (!take) return;
      ctx.set((s) => ({ takes: s.takes.filter((t) => t.id !== id) }));
      ctx.get().announce(`Removed take ${take.number}.`);
      o.history?.delete(id).catch(() => {}); // a take that was never saved is fine to miss
    },
    clearTakes() {
      const gone = ctx.get().takes;
      if (!gone.length) return;
      ctx.set({ takes: [] });
      ctx.get().announce(`Removed all ${gone.length} take${gone.length === 1 ? '' : 's'}.`);
      // Only the takes shown here: another tab's saved takes are not this tab's to remove.
      for (const t of gone) o.history?.delete(t.id).catch(() => {}); // a blocked storage has nothing to clear
    },
    async restoreTakes() {
      if (!o.history) return 0;
      let saved: Take[];
      try {
        saved = (await o.history.list()).filter((t) => Number.isFinite(takeNumberOf(t.id)) && t.result?.pcm instanceof Float32Array);
      } catch {
        return 0; // storage blocked: start with none, as before
      }
      const have = new Set(ctx.get().takes.map((t) => t.id));
      const back = saved.filter((t) => !have.has(t.id));
      for (const t of back) takeCount = Math.max(takeCount, t.number);
      if (back.length) ctx.set((s) => ({ takes: [...s.takes, ...back].sort((a, b) => b.number - a.number) }));
      return back.length;
    },
    dismissGenerationError() {
      setGeneration({ error: undefined });
    },
  };
}

/** New engine info: take the LM's defaults once per pack, and keep the duration within its window. */
export function settingsForEngine(st: GenerationSettings, info: EngineInfo | undefined): GenerationSettings | null {
  const lm = info?.lm;
  if (!info || !lm) return null;
  if (st.defaultsFor !== info.packId) {
    const { continuationCfg: _, ...d } = lm.defaults;
    const max = longestTake(lm);
    let seconds = clamp(lm.defaults.seconds, 1, max);
    let continueFrom = st.continueFrom;
    if (continueFrom) { // a kept continuation keeps room for new music on the new pack
      const at = continuePoint(continueFrom.startSec, max, lm.defaults.seconds);
      continueFrom = at === continueFrom.startSec ? continueFrom : { ...continueFrom, startSec: at };
      if (seconds <= at) seconds = Math.min(max, at + lm.defaults.seconds);
    }
    return withDefaultCfg({ ...st, ...d, cfgChosen: false, seconds, continueFrom, defaultsFor: info.packId }, lm.defaults);
  }
  if (st.seconds > longestTake(lm)) return withDefaultCfg({ ...st, seconds: longestTake(lm) }, lm.defaults);
  const next = withDefaultCfg(st, lm.defaults);
  return next === st ? null : next;
}
