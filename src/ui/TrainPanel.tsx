import { useEffect, useId, useMemo, useRef } from 'react';
import { PACK_MODEL_NAME } from '../state/modelsSlice';
import { effectiveLoraAlpha, effectiveLoraGroups, effectiveLr, loraTrainableParams, resumeInfo } from '../state/trainingSlice';
import type { TrainMethod } from '../workers/protocol';
import { formatSeconds, formatShare, trainStepLabel } from './format';
import { LoraOptions } from './LoraOptions';
import { LossChart } from './LossChart';
import { ModelControls } from './ModelControls';
import { NumberField } from './NumberField';
import { useStudio } from './StoreContext';

/** Fine-tune the LM on the captioned clips: settings, Train / Pause / Stop, live progress and loss chart, models. */
export function TrainPanel() {
  const id = useId();
  const lm = useStudio((s) => s.engine.info?.lm);
  const hasInfo = useStudio((s) => !!s.engine.info);
  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="train-panel">
      <h2 id={`${id}-h`}>Train</h2>
      {lm ? (
        <>
          <ModelControls />
          <TrainControls />
        </>
      ) : (
        <p className="hint">{hasInfo ? 'This model pack has no language model, so there is nothing to fine-tune.' : 'Loading the model…'}</p>
      )}
    </section>
  );
}

function TrainControls() {
  const id = useId();
  const st = useStudio((s) => s.trainSettings);
  const set = useStudio((s) => s.setTrainSettings);
  const training = useStudio((s) => s.training);
  const train = useStudio((s) => s.train);
  const resumeTraining = useStudio((s) => s.resumeTraining);
  const stop = useStudio((s) => s.stopTraining);
  const setPaused = useStudio((s) => s.setTrainingPaused);
  const dismiss = useStudio((s) => s.dismissTrainingError);
  const ready = useStudio((s) => s.engine.status === 'ready');
  const generating = useStudio((s) => s.generation.running);
  const modelsBusy = useStudio((s) => s.models.busy);
  const modelName = useStudio((s) => s.engine.info?.lm?.modelName ?? '');
  const activeKind = useStudio((s) => s.engine.info?.lm?.modelKind ?? 'full');
  const lmInfo = useStudio((s) => s.engine.info?.lm);
  const conditioning = lmInfo?.conditioning ?? 'cross';
  const activeId = useStudio((s) => s.engine.info?.lm?.modelId ?? null);
  const modelLr = useStudio((s) => s.engine.info?.lm?.trainLr);
  const savedHistory = useStudio((s) => s.models.list.find((m) => m.id === activeId)?.history);
  const clips = useStudio((s) => s.clips);
  const captions = useStudio((s) => s.captions);
  const models = useStudio((s) => s.models);
  const engine = useStudio((s) => s.engine);
  const resume = useMemo(() => resumeInfo({ clips, models, engine }), [clips, models, engine]);
  const readyClips = useMemo(() => clips.filter((c) => c.status === 'ready'), [clips]);
  const captioned = readyClips.filter((c) => (captions[c.id] ?? '').trim()).length;
  const { running, paused, stopping, progress, history, error, notice } = training;
  const trainBtn = useRef<HTMLButtonElement>(null);
  const stopBtn = useRef<HTMLButtonElement>(null);

  const wasRunning = useRef(running);
  useEffect(() => {
    const active = document.activeElement;
    if (running && !wasRunning.current && active === trainBtn.current) stopBtn.current?.focus();
    if (!running && wasRunning.current && (active === stopBtn.current || active === document.body)) trainBtn.current?.focus();
    wasRunning.current = running;
  }, [running]);

  const blocked = !ready
    ? 'Waiting for the engine…'
    : readyClips.length === 0
      ? 'Add and tokenize at least one clip to train on.'
      : generating
        ? 'Wait for the generation to finish.'
        : modelsBusy
          ? 'Wait for the model operation to finish.'
          : st.method === 'lora' && effectiveLoraGroups(st, conditioning).length === 0
            ? 'Pick at least one part of the model to adapt (Advanced).'
            : null;
  // The chart follows the run (live, or the latest one while its model is in use), else the saved model's history.
  const packInUse = activeId === null && modelName === PACK_MODEL_NAME; // nothing of a run shows under the pack's own model
  const live = running || (history.length > 0 && !packInUse && (training.summary?.id === activeId || !savedHistory));
  const points = live ? history : (savedHistory ?? []);
  const lastVal = [...points].reverse().find((p) => p[2] !== null)?.[2];
  const end = points.at(-1);
  const shownProgress = live && progress ? progress : end ? { step: end[0], steps: resume?.steps ?? end[0], loss: end[1], tokensPerSecond: 0, etaSeconds: 0 } : null;

  const lora = st.method === 'lora';
  const lr = effectiveLr(st, modelLr);
  // LoRA trains on the pack's own weights; so does a full run while an adapter is in use (adapters never stack).
  const startName = lora || activeKind === 'lora' ? PACK_MODEL_NAME : modelName;
  const trainable = lmInfo ? loraTrainableParams(st, lmInfo) : null;
  const share = trainable && lmInfo && lmInfo.params > 0 ? formatShare(trainable / lmInfo.params) : null;

  return (
    <div className="train">
      <p className="hint">
        Fine-tunes <strong data-testid="train-model-name">{startName}</strong> on every ready clip with its caption
        (a clip without a caption teaches the model without a prompt). It runs in this tab; keep it open.
      </p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name for the new model</label>
        <input id={`${id}-name`} type="text" className="wide" data-testid="train-name" value={st.name} maxLength={80}
          placeholder={lora ? 'LoRA' : 'Fine-tune'} autoComplete="off" disabled={running} onChange={(e) => set({ name: e.currentTarget.value })} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-method`}>Method</label>
        <select id={`${id}-method`} className="wide" data-testid="train-method" value={st.method} disabled={running} aria-describedby={`${id}-method-hint`}
          onChange={(e) => set({ method: e.currentTarget.value as TrainMethod })}>
          <option value="full">Full fine-tune</option>
          <option value="lora">{`LoRA adapters${share ? ` (${share} of the weights)` : ''}`}</option>
        </select>
        <p id={`${id}-method-hint`} className="hint" data-testid="train-method-hint">
          {lora
            ? 'Trains small adapters beside the pack\'s own weights (not on top of another fine-tune): a small file, fast to switch, the way to fine-tune large packs.'
            : 'Trains every weight; the saved model is as large as the pack\'s.'}
        </p>
      </div>
      <details className="advanced" data-testid="train-advanced">
        <summary>
          Advanced <span className="summary-meta">{lora ? `rank ${st.loraRank} · alpha ${effectiveLoraAlpha(st)} · ${st.loraDropout > 0 ? `dropout ${st.loraDropout} · ` : ''}` : ''}{st.steps} steps · lr {lr} · {formatSeconds(st.cropSeconds)} crops</span>
        </summary>
        <div className="field-grid">
          {lora && <LoraOptions st={st} set={set} conditioning={conditioning} disabled={running} />}
          <NumberField label="Steps" value={st.steps} min={1} max={100000} step={10} testId="train-steps" disabled={running}
            hint="Optimiser updates." onCommit={(steps) => set({ steps: Math.round(steps) })} />
          <NumberField label="Learning rate" value={lr} min={1e-7} max={1e-2} step={1e-6} testId="train-lr" disabled={running}
            hint={`Peak, after warmup.${st.lr === null ? ' This model\'s default for the method.' : ''}`} onCommit={(v) => set({ lr: v })} />
          <NumberField label="Crop length" unit="s" value={st.cropSeconds} min={0.1} max={30} step={0.5} testId="train-crop"
            disabled={running} hint="Seconds of audio per example." onCommit={(cropSeconds) => set({ cropSeconds })} />
          <NumberField label="Batch size" value={st.batchSize} min={1} max={16} step={1} testId="train-batch" disabled={running}
            hint="Crops per step." onCommit={(batchSize) => set({ batchSize: Math.round(batchSize) })} />
          <NumberField label="Condition dropout" value={st.condDropout} min={0} max={1} step={0.05} testId="train-dropout"
            disabled={running} hint="Share of steps trained without captions." onCommit={(condDropout) => set({ condDropout })} />
        </div>
      </details>
      <div className="generate-actions">
        <button ref={trainBtn} type="button" className="primary" data-testid="train-button" disabled={running || !!blocked}
          aria-describedby={`${id}-why`} onClick={() => void train()}>
          Train
        </button>
        {!running && resume && (
          <button type="button" data-testid="train-resume" disabled={!!blocked || !resume.clips} aria-describedby={`${id}-resume`}
            onClick={() => void resumeTraining()}>
            ▶ Resume training (step {resume.step} of {resume.steps})
          </button>
        )}
        {running && (
          <>
            <button type="button" data-testid="train-pause" disabled={stopping} onClick={() => void setPaused(!paused)}>
              {paused ? '▶ Resume' : '❚❚ Pause'}
            </button>
            <button ref={stopBtn} type="button" data-testid="train-stop" disabled={stopping} onClick={stop}>
              {stopping ? 'Stopping…' : '■ Stop'}
            </button>
          </>
        )}
      </div>
      <p id={`${id}-why`} className="hint" data-testid="train-hint">
        {running
          ? paused ? 'Paused. Resume to go on, or Stop to save the model as it is.' : 'Stop ends after the current step and saves the model.'
          : (blocked ?? `Trains on ${readyClips.length} clip${readyClips.length === 1 ? '' : 's'}, ${captioned} with a caption.`)}
      </p>
      {!running && resume && (
        <p id={`${id}-resume`} className="hint" data-testid="train-resume-hint">
          {resume.clips
            ? `${resume.model.name} stopped at step ${resume.step} of ${resume.steps}; resuming continues its run on ${resume.clips.length} clip${resume.clips.length === 1 ? '' : 's'} with the captions it was trained with.`
            : `To resume ${resume.model.name} (step ${resume.step} of ${resume.steps}), add the clips it was trained on: ${resume.missing.join(', ')}.`}
        </p>
      )}
      {shownProgress && (
        <p className="train-step" data-testid="train-step">
          {trainStepLabel(shownProgress, lastVal)}
          {paused && ' · paused'}
        </p>
      )}
      {(running || points.length > 0) && <LossChart points={points} steps={live ? progress?.steps : undefined} />}
      {notice && <p className="notice is-warn" data-testid="train-notice">{notice}</p>}
      {error && (
        <div className="inline-error" role="alert" data-testid="train-error" data-code={error.code}>
          <p>{error.message}</p>
          <button type="button" className="link-button" onClick={dismiss}>Dismiss</button>
        </div>
      )}
    </div>
  );
}
