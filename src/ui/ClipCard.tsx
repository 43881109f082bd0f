import { useEffect, useId, useMemo, useState } from 'react';
import { canRetry } from '../state/errors';
import { selectClip, selectCodec } from '../state/selectors';
import { codesHash } from '../state/sources';
import { formatDuration, formatRate, formatSource } from './format';
import { stopIfPlaying } from './playback';
import { ClipActions } from './ClipActions';
import { Lane, MelodyLane } from './MelodyLane';
import { ProgressBar } from './ProgressBar';
import { TokenGrid } from './TokenGrid';
import { Waveform } from './Waveform';
import { useStudio } from './StoreContext';
import { AudioFactsLine } from './AudioFactsLine';
import { checkReconstruction, factsCaption, withFacts } from './factsText';
import type { AudioFacts } from '../eval/describe';

export function ClipCard({ id }: { id: string }) {
  const clip = useStudio(selectClip(id));
  const codec = useStudio(selectCodec);
  const removeClip = useStudio((s) => s.removeClip);
  const retryClip = useStudio((s) => s.retryClip);
  const isMelody = useStudio((s) => s.melodyId === id);
  const [playError, setPlayError] = useState<string | null>(null);

  useEffect(() => () => stopIfPlaying(`${id}:`), [id]);
  const r = clip?.result;
  const hash = useMemo(() => (r ? codesHash(r.codes, r.k, r.t) : undefined), [r]);
  if (!clip) return null;

  const { name, status, error, progress, original, result } = clip;
  const decoded = clip.sourceRate > 0;
  const busy = status === 'decoding' || status === 'tokenizing';
  const frameRate = codec?.frameRate ?? (result ? result.t / (result.pcm.length / result.sampleRate) : 50);
  const cardinality = codec?.cardinality ?? 2048;
  const headingId = `${id}-name`;

  return (
    <li className="clip" data-testid="clip" data-clip-id={id} data-status={status} data-codes-hash={hash} aria-busy={busy} aria-labelledby={headingId}>
      <div className="clip-head">
        <div className="clip-title">
          <h3 id={headingId} className="clip-name" title={name}>
            {name}
          </h3>
          {decoded && (
            <p className="clip-meta">
              <span>{formatDuration(clip.durationSec)}</span>
              <span className="clip-source" data-testid="clip-source" title="As loaded, before downmix and resampling">
                {formatSource(clip.sourceRate, clip.sourceChannels, clip.container)}
              </span>
              {result && (
                <span>
                  codec: {formatRate(result.sampleRate)} mono · {result.k} × {result.t} tokens
                </span>
              )}
              {isMelody && (
                <span className="tag" data-testid="melody-tag">
                  melody
                </span>
              )}
            </p>
          )}
          {result && (
            <AudioFactsLine facts={result.facts} testId="clip-facts"
              versus={result.facts && result.reconstructionFacts ? { label: 'reconstruction', check: checkReconstruction(result.facts, result.reconstructionFacts) } : undefined} />
          )}
        </div>
        <button
          type="button"
          className="clip-remove"
          data-testid="remove-clip"
          aria-label={`Remove ${name}`}
          title="Remove"
          onClick={(e) => {
            // Keep keyboard users in place: focus the next clip's remove button, or the picker.
            const li = e.currentTarget.closest('li');
            const next = li?.nextElementSibling ?? li?.previousElementSibling;
            removeClip(id);
            const target =
              next?.querySelector<HTMLElement>('[data-testid="remove-clip"]') ??
              document.querySelector<HTMLElement>('.drop-zone button');
            target?.focus();
          }}
        >
          ✕
        </button>
      </div>
      {progress && <ProgressBar value={progress.value} label={progress.label} />}
      {error && (
        <p className="clip-error" data-testid="clip-error" data-code={error.code} role="alert">
          {error.message}
          {original && canRetry(error) && (
            <button type="button" className="clip-retry" data-testid="retry-clip" onClick={() => void retryClip(id)}>
              Tokenize again
            </button>
          )}
        </p>
      )}
      {playError && (
        <p className="clip-error" role="alert">
          {playError}
        </p>
      )}
      {original && (
        <Lane>
          <Waveform pcm={original.pcm} label={`Waveform of ${name}`} playKeys={[`${id}:original`, `${id}:reconstruction`]} /* one timeline: the codec keeps the length */ />
        </Lane>
      )}
      {result && (
        <MelodyLane sourceId={id} name={name} durationSec={result.sampleRate > 0 ? result.pcm.length / result.sampleRate : 0} />
      )}
      {result && (
        <TokenGrid
          codes={result.codes}
          k={result.k}
          t={result.t}
          cardinality={cardinality}
          frameRate={frameRate}
          name={name}
        />
      )}
      <CaptionField clipId={id} name={name} facts={result?.facts ?? null} />
      <ClipActions clip={clip} onError={setPlayError} />
    </li>
  );
}

/**
 * The clip's training caption (kept in the store per clip; empty = unconditional), with a button
 * that adds the detected key and tempo in the words the bundled model was trained on.
 */
function CaptionField({ clipId, name, facts }: { clipId: string; name: string; facts: AudioFacts | null }) {
  const id = useId();
  const caption = useStudio((s) => s.captions[clipId] ?? '');
  const setCaption = useStudio((s) => s.setCaption);
  const training = useStudio((s) => s.training.running);
  const words = facts ? factsCaption(caption, facts) : null;
  return (
    <div className="field caption">
      <label htmlFor={id}>Caption for training</label>
      <input
        id={id}
        type="text"
        className="wide"
        data-testid="caption-input"
        value={caption}
        placeholder="e.g. plucked strings, calm (empty: learnt without a caption)"
        autoComplete="off"
        disabled={training}
        aria-description={`Describes ${name} when the model is fine-tuned on it`}
        onChange={(e) => setCaption(clipId, e.currentTarget.value)}
      />
      {words && (
        <button type="button" className="link-button caption-facts" data-testid="caption-add-facts" disabled={training}
          onClick={() => setCaption(clipId, withFacts(caption, words))}>
          Add “{words}” (detected)
        </button>
      )}
    </div>
  );
}
