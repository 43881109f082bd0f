import { useEffect, useId, useRef } from 'react';
import { MAX_VARIATIONS } from '../state/generationSlice';
import { parseSeed } from '../state/sources';
import type { GenerationSettings } from '../state/types';
import { ContinueFrom } from './ContinueFrom';
import { formatParams, formatSeconds, generationLabel } from './format';
import { stopListening, useLiveState } from './livePlayer';
import { NumberField } from './NumberField';
import { unlockAudio } from './player';
import { ProgressBar } from './ProgressBar';
import { useStudio } from './StoreContext';
import { longestTake, takeBytes, type LmInfo } from '../workers/protocol';

/** The Generate button's DOM id: Ctrl/Cmd+Enter in the prompt clicks it (PromptPanel). */
export const GENERATE_BUTTON_ID = 'generate-button';

/** Length, seed, variations, continuation, sampling; Generate / Stop with progress and errors. */
export function GeneratePanel() {
  const id = useId();
  const engine = useStudio((s) => s.engine);
  const lm = engine.info?.lm;

  let body;
  if (lm) body = <GenerateControls lm={lm} />;
  else if (engine.info)
    body = (
      <p className="hint" data-testid="no-lm-note">
        This model pack has no language model, so it cannot generate music. You can still tokenize clips.
      </p>
    );
  else if (engine.status === 'error') body = <p className="hint">The engine did not start, so generation is unavailable.</p>;
  else body = <p className="hint">Loading the model…</p>;

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="generate-panel">
      <h2 id={`${id}-h`}>Generate</h2>
      {body}
    </section>
  );
}

/** The length hint: the range, the memory a take of this length needs, and why the range is shorter when memory is. */
function lengthHint(lm: LmInfo, seconds: number, backend: string): string {
  const max = longestTake(lm);
  const { budgetBytes } = lm.memory;
  const mb = Math.ceil(takeBytes(lm, seconds) / 2 ** 20);
  const range = `1 to ${formatSeconds(max)}`;
  const limit = max < lm.maxSeconds ? ` (memory on ${backend} allows ${formatSeconds(max)} of the model's ${formatSeconds(lm.maxSeconds)}; about ${Math.floor(budgetBytes / 2 ** 20)} MB)` : '';
  const windows = lm.window && seconds > lm.window.seconds
    ? ` · made ${formatSeconds(lm.window.seconds)} at a time (the length the model learned), each part continuing the last ${formatSeconds(lm.window.contextSeconds)}`
    : '';
  return `${range}${limit} · about ${mb} MB for this length${windows}`;
}

/** Guidance's hint; while the pack's continuation guidance applies, it says so. */
function cfgHint(lm: LmInfo, st: GenerationSettings): string {
  const base = 'How closely to follow the prompt; 1 = off.';
  const c = lm.defaults.continuationCfg;
  if (st.cfgChosen || c === undefined || c === lm.defaults.cfg) return base;
  return st.continueFrom
    ? `${base} ${c} while continuing, ${lm.defaults.cfg} otherwise: more guidance keeps a continuation in key.`
    : `${base} ${c} when continuing audio.`;
}

function GenerateControls({ lm }: { lm: LmInfo }) {
  const maxSeconds = longestTake(lm);
  const lmBackend = useStudio((s) => s.engine.info?.lmBackend ?? s.engine.info?.backend ?? '');
  const id = useId();
  const st = useStudio((s) => s.genSettings);
  const set = useStudio((s) => s.setGenSettings);
  const randomizeSeed = useStudio((s) => s.randomizeSeed);
  const resetSampling = useStudio((s) => s.resetSampling);
  const generation = useStudio((s) => s.generation);
  const generate = useStudio((s) => s.generate);
  const stopGeneration = useStudio((s) => s.stopGeneration);
  const finishGeneration = useStudio((s) => s.finishGeneration);
  const dismissError = useStudio((s) => s.dismissGenerationError);
  const ready = useStudio((s) => s.engine.status === 'ready');
  const training = useStudio((s) => s.training.running);
  const modelName = useStudio((s) => s.engine.info?.lm?.modelName ?? '');
  const modelKind = useStudio((s) => s.engine.info?.lm?.modelKind ?? 'full');
  const cardinality = useStudio((s) => s.engine.info?.codec.cardinality ?? 2048);
  const seed = parseSeed(st.seed);
  const { running, progress, error } = generation;
  const genBtn = useRef<HTMLButtonElement>(null);
  const stopBtn = useRef<HTMLButtonElement>(null);

  // Keep keyboard focus on a live control: Generate -> Stop while running, and back after.
  const wasRunning = useRef(running);
  useEffect(() => {
    const active = document.activeElement;
    if (running && !wasRunning.current && active === genBtn.current) stopBtn.current?.focus();
    if (!running && wasRunning.current && (active === stopBtn.current || active === document.body)) genBtn.current?.focus();
    wasRunning.current = running;
  }, [running]);

  return (
    <div className="generate">
      <div className="field-grid">
        <NumberField
          label="Length"
          unit="s"
          value={st.seconds}
          min={1}
          max={maxSeconds}
          step={0.5}
          slider
          testId="duration-input"
          hint={st.continueFrom ? `The whole take, the ${formatSeconds(st.continueFrom.startSec)} it continues included. ${lengthHint(lm, st.seconds, lmBackend)}` : lengthHint(lm, st.seconds, lmBackend)}
          onCommit={(seconds) => set({ seconds })}
        />
        <div className="field seed">
          <label htmlFor={`${id}-seed`}>Seed</label>
          <div className="field-row">
            <input
              id={`${id}-seed`}
              type="text"
              inputMode="numeric"
              autoComplete="off"
              placeholder="random"
              data-testid="seed-input"
              value={st.seed}
              aria-invalid={seed === null || undefined}
              aria-describedby={`${id}-seed-hint`}
              onChange={(e) => set({ seed: e.currentTarget.value })}
            />
            <button type="button" data-testid="seed-randomize" onClick={randomizeSeed} title="Put a new random seed in the box">
              Randomize
            </button>
          </div>
          <p id={`${id}-seed-hint`} className={`hint${seed === null ? ' is-error' : ''}`}>
            {seed === null
              ? 'A seed is a whole number from 0 to 4294967295.'
              : 'Empty: a new random seed each time. The seed used is kept with each take.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-var`}>Variations</label>
          <select
            id={`${id}-var`}
            data-testid="variations-select"
            value={st.variations}
            aria-describedby={`${id}-var-hint`}
            onChange={(e) => set({ variations: Number(e.currentTarget.value) })}
          >
            {Array.from({ length: MAX_VARIATIONS }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n === 1 ? '1 take' : `${n} takes`}
              </option>
            ))}
          </select>
          <p id={`${id}-var-hint`} className="hint">
            {st.variations === 1 ? 'One take per click.'
              : seed === 'random' || seed === null ? `${st.variations} takes, each with its own seed.`
                : `Seeds ${seed}, ${seed + 1}${st.variations > 2 ? ', …' : ''}.`}
          </p>
        </div>
      </div>

      <ContinueFrom />

      <details className="advanced" data-testid="advanced">
        <summary>
          Sampling <span className="summary-meta">{formatParams(st)}</span>
        </summary>
        <div className="field-grid">
          <NumberField
            label="Temperature"
            value={st.temperature}
            min={0.05}
            max={2}
            step={0.05}
            testId="temperature-input"
            hint="Higher is more adventurous."
            onCommit={(temperature) => set({ temperature })}
          />
          <NumberField
            label="Top-k"
            value={st.topK}
            min={0}
            max={cardinality}
            step={10}
            testId="topk-input"
            hint="Sample from the k likeliest tokens; 0 = all."
            onCommit={(topK) => set({ topK: Math.round(topK) })}
          />
          <NumberField
            label="Top-p"
            value={st.topP}
            min={0}
            max={1}
            step={0.05}
            testId="topp-input"
            hint="0 = off; above 0 it replaces top-k."
            onCommit={(topP) => set({ topP })}
          />
          <NumberField
            label="Guidance (CFG)"
            value={st.cfg}
            min={1}
            max={15}
            step={0.5}
            testId="cfg-input"
            hint={cfgHint(lm, st)}
            onCommit={(cfg) => set({ cfg })}
          />
        </div>
        <button type="button" className="link-button" onClick={resetSampling}>
          Reset to model defaults
        </button>
      </details>

      <div className="generate-actions">
        <button
          ref={genBtn}
          type="button"
          className="primary"
          data-testid="generate-button"
          id={GENERATE_BUTTON_ID}
          title="Generate (Ctrl+Enter in the prompt)"
          aria-keyshortcuts="Control+Enter Meta+Enter"
          disabled={running || training || !ready || seed === null}
          aria-describedby={`${id}-model`}
          onClick={() => {
            if (st.listen) void unlockAudio(); // inside the click: the take may start playing before it is done
            void generate();
          }}
        >
          {st.variations > 1 ? `Generate ${st.variations} takes` : 'Generate'}
        </button>
        {running && (
          <button ref={stopBtn} type="button" data-testid="stop-button" onClick={stopGeneration} title="Cancel: the unfinished take is dropped">
            ■ Stop
          </button>
        )}
        {running && (
          <button type="button" data-testid="finish-button" onClick={finishGeneration} title="End the take here and keep what is made so far">
            Keep what's made
          </button>
        )}
        <label className="check listen-toggle">
          <input type="checkbox" data-testid="listen-toggle" checked={st.listen} onChange={(e) => set({ listen: e.currentTarget.checked })} />
          Listen while it generates
        </label>
        <span id={`${id}-model`} className="model-in-use" data-testid="generate-model" title="The language model in use">
          Model: <strong>{modelName}</strong>{modelKind === 'lora' && ' · LoRA'}
        </span>
      </div>
      {training && <p className="hint">The model is training; Generate is available when it ends.</p>}
      <LiveStatus running={running} />
      {running && (
        <div data-testid="generation-progress" className="generation-progress">
          <ProgressBar value={progress?.value ?? null} label={progress ? generationLabel(progress) : 'Generating · starting…'} />
        </div>
      )}
      {error && (
        <div className="inline-error" role="alert" data-testid="generation-error" data-code={error.code}>
          <p>{error.message}</p>
          <button type="button" className="link-button" onClick={dismissError}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

/** What listening-while-generating is doing (a polite live region), with a way to stop the sound. */
function LiveStatus({ running }: { running: boolean }) {
  const { state: live, windows } = useLiveState();
  const text = live === 'waiting' ? 'The take starts playing once its first seconds are decoded…'
    : live === 'playing' ? (running ? 'Playing the take as it is generated.' : 'Playing the take.') : '';
  return (
    <p className="hint live-listen" role="status" data-testid="live-status" data-state={live} data-windows={windows}>
      {text}
      {live !== 'idle' && (
        <button type="button" className="link-button" data-testid="live-stop" onClick={stopListening}>
          Stop listening
        </button>
      )}
    </p>
  );
}
