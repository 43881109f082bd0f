import { useEffect, useMemo, useRef, useState } from 'react';
import { closestClip } from '../state/closest';
import { encodeWav16 } from '../audio/wav';
import { takeFileName, takeName } from '../state/sources';
import { downloadBytes } from './download';
import { formatDuration, formatParams } from './format';
import { Lane, MelodyLane } from './MelodyLane';
import { stopIfPlaying, togglePlayback, useNowPlaying } from './playback';
import { useStudio } from './StoreContext';
import { TokenGrid } from './TokenGrid';
import { Waveform } from './Waveform';
import { AudioFactsLine } from './AudioFactsLine';
import { promptFacts } from '../eval/promptFacts';
import { checkAsked } from './factsText';
import { shareSearch } from '../state/shareLink';
import { DEFAULT_PACK_ID } from '../state/packsSlice';
import type { Take } from '../state/types';

/** The takes, newest first: this session's and those kept from earlier ones (src/state/takeHistory.ts). */
export function TakeList() {
  const takes = useStudio((s) => s.takes);
  const hasLm = useStudio((s) => !!s.engine.info?.lm);
  const historyProblem = useStudio((s) => s.historyProblem);
  if (takes.length === 0) {
    return hasLm ? <p className="empty-hint">Your takes will appear here, newest first, with their seed and settings.</p> : null;
  }
  return (
    <section aria-labelledby="takes-heading" className="clips takes">
      <h2 id="takes-heading">
        Takes <span className="count">{takes.length}</span>
      </h2>
      <ClearTakes count={takes.length} />
      {historyProblem && (
        <p className="notice is-warn" role="note" data-testid="take-history-problem">
          {historyProblem}
        </p>
      )}
      <ol className="clip-list" data-testid="take-list">
        {takes.map((t) => (
          <TakeCard key={t.id} id={t.id} />
        ))}
      </ol>
    </section>
  );
}

function TakeCard({ id }: { id: string }) {
  const take = useStudio((s) => s.takes.find((t) => t.id === id));
  const codec = useStudio((s) => s.engine.info?.codec);
  const isMelody = useStudio((s) => s.melodyId === id);
  const continuing = useStudio((s) => s.genSettings.continueFrom?.sourceId === id);
  const setMelody = useStudio((s) => s.setMelody);
  const continueFrom = useStudio((s) => s.continueFrom);
  const removeTake = useStudio((s) => s.removeTake);
  const setPrompt = useStudio((s) => s.setPrompt);
  const setGenSettings = useStudio((s) => s.setGenSettings);
  const announce = useStudio((s) => s.announce);
  const playing = useNowPlaying();
  const [playError, setPlayError] = useState<string | null>(null);

  useEffect(() => () => stopIfPlaying(`${id}:`), [id]);
  if (!take) return null;

  const { result, seed, params, prompt } = take;
  const name = takeName(take);
  const headingId = `${id}-name`;
  const playKey = `${id}:take`;
  const frameRate = codec?.frameRate ?? (take.durationSec > 0 ? result.t / take.durationSec : 50);

  return (
    <li
      className="clip take"
      data-testid="take"
      data-take-id={id}
      data-seed={seed}
      data-codes-hash={take.codesHash}
      aria-labelledby={headingId}
    >
      <div className="clip-head">
        <div className="clip-title">
          <h3 id={headingId} className="clip-name" title={prompt || 'No prompt (the model played freely)'}>
            <span className="take-number">Take {take.number}</span> {prompt ? `“${prompt}”` : <em>no prompt</em>}
          </h3>
          <p className="clip-meta">
            <span>{formatDuration(take.durationSec)}</span>
            <span data-testid="take-seed">seed {seed}</span>
            <span>{formatParams(params)}</span>
            {take.continuation && (
              <span>
                continues {take.continuation.sourceName} from {take.continuation.startSec.toFixed(1)} s
              </span>
            )}
            {isMelody && <span className="tag">melody</span>}
          </p>
          <AudioFactsLine facts={result.facts} testId="take-facts"
            versus={result.facts ? { label: 'prompt', check: checkAsked(promptFacts(prompt), result.facts) } : undefined} />
        </div>
        <button
          type="button"
          className="clip-remove"
          data-testid="take-remove"
          aria-label={`Remove take ${take.number}`}
          title="Remove"
          onClick={(e) => {
            const li = e.currentTarget.closest('li');
            const next = li?.nextElementSibling ?? li?.previousElementSibling;
            removeTake(id);
            const target =
              next?.querySelector<HTMLElement>('[data-testid="take-remove"]') ??
              document.querySelector<HTMLElement>('[data-testid="generate-button"]');
            target?.focus();
          }}
        >
          ✕
        </button>
      </div>
      {playError && (
        <p className="clip-error" role="alert">
          {playError}
        </p>
      )}
      <ClosestClip codes={result.codes} k={result.k} t={result.t} />
      <Lane>
        <Waveform pcm={result.pcm} label={`Waveform of take ${take.number}`} playKeys={[playKey]} />
      </Lane>
      <MelodyLane sourceId={id} name={name} durationSec={take.durationSec} />
      <TokenGrid
        codes={result.codes}
        k={result.k}
        t={result.t}
        cardinality={codec?.cardinality ?? 2048}
        frameRate={frameRate}
        name={`take ${take.number}`}
      />
      <div className="clip-actions">
        <button
          type="button"
          data-testid="take-play"
          className={playing === playKey ? 'is-playing' : undefined}
          aria-pressed={playing === playKey}
          aria-label={`${playing === playKey ? 'Stop' : 'Play'} take ${take.number}`}
          onClick={() =>
            togglePlayback(playKey, result.pcm, result.sampleRate).catch((err: unknown) =>
              setPlayError(`Playback failed: ${err instanceof Error ? err.message : String(err)}`),
            )
          }
        >
          {playing === playKey ? '■ Stop' : '▶ Play'}
        </button>
        <button
          type="button"
          data-testid="take-download"
          onClick={() => downloadBytes(encodeWav16(result.pcm, result.sampleRate), takeFileName(prompt, seed))}
        >
          ⤓ Download WAV
        </button>
        <button type="button" data-testid="take-use-melody" aria-pressed={isMelody} onClick={() => setMelody(isMelody ? null : id)}>
          {isMelody ? 'Melody ✓' : 'Use as melody'}
        </button>
        <button type="button" data-testid="take-continue" aria-pressed={continuing} onClick={() => continueFrom(id)}>
          Continue this
        </button>
        <button
          type="button"
          data-testid="take-reuse"
          title="Put this take's prompt, settings and seed back in the panel"
          onClick={() => {
            setPrompt(prompt);
            setGenSettings({ ...params, seed: String(seed), variations: 1 });
            announce(`Prompt, settings and seed ${seed} of take ${take.number} restored.`);
          }}
        >
          Reuse settings
        </button>
        <CopyLink take={take} />
      </div>
    </li>
  );
}

/**
 * "Sounds closest to <clip>": the ready clip whose token statistics are nearest to the take's
 * (src/eval/tokenStats.ts). Shown once there are two clips to choose between.
 */
function ClosestClip({ codes, k, t }: { codes: Int32Array; k: number; t: number }) {
  const clips = useStudio((s) => s.clips);
  const closest = useMemo(() => closestClip({ codes, k, t }, clips), [codes, k, t, clips]);
  if (!closest?.next) return null;
  const { name, distance, next } = closest;
  return (
    <p className="take-closest hint" data-testid="take-closest" data-clip-name={name} data-distance={distance.toFixed(4)}
      title="Token distance: Jensen–Shannon divergence of each codebook's code histogram, averaged (0 = same statistics, 1 = nothing in common)">
      Sounds closest to <strong>{name}</strong> (token distance {distance.toFixed(2)}; next: {next.name}, {next.distance.toFixed(2)})
    </p>
  );
}

/**
 * "Copy link": a URL that opens the studio with this take's prompt, seed and settings (and pack),
 * so the same take can be made again or shared (src/state/shareLink.ts).
 */
function CopyLink({ take }: { take: Take }) {
  const current = useStudio((s) => s.engine.info?.packId ?? DEFAULT_PACK_ID);
  const packId = take.packId ?? current; // the pack that made it
  const announce = useStudio((s) => s.announce);
  const url = `${location.origin}${location.pathname}${shareSearch(take, packId)}`;
  const note = take.continuation ? ' (without the audio it continued)' : '';
  return (
    <button
      type="button"
      data-testid="take-link"
      data-link={url}
      title="Copy a link that opens the studio with this take's prompt, seed and settings"
      onClick={() => {
        // No clipboard outside secure contexts: the promise chain turns that into the fallback too.
        Promise.resolve().then(() => navigator.clipboard.writeText(url)).then(
          () => announce(`Link to take ${take.number} copied${note}: it opens the studio with its prompt, seed and settings.`),
          () => announce(`Could not copy the link (the browser refused); here it is: ${url}`),
        );
      }}
    >
      Copy link
    </button>
  );
}

/** "Remove all" with a confirmation in place: takes are kept across reloads, so a clean slate is one click away. */
function ClearTakes({ count }: { count: number }) {
  const clearTakes = useStudio((s) => s.clearTakes);
  const running = useStudio((s) => s.generation.running);
  const [asking, setAsking] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const back = useRef(false); // focus "Remove all" again once the question is gone (cancelled)
  useEffect(() => {
    if (!asking && back.current) button.current?.focus();
    back.current = false;
  }, [asking]);
  useEffect(() => {
    if (count < 2) setAsking(false); // an unanswered question does not come back by itself with the next take
  }, [count]);
  const cancel = () => {
    back.current = true;
    setAsking(false);
  };
  if (count < 2) return null;
  if (!asking) {
    return (
      <button ref={button} type="button" className="link-button takes-clear" data-testid="takes-clear" disabled={running} onClick={() => setAsking(true)}>
        Remove all
      </button>
    );
  }
  // The safe answer has the focus; Escape is Cancel.
  return (
    <div className="takes-clear-confirm" role="group" aria-label="Remove all takes?" onKeyDown={(e) => e.key === 'Escape' && cancel()}>
      <span>Remove all {count} takes from this browser?</span>
      <button type="button" className="danger" data-testid="takes-clear-confirm" disabled={running} onClick={() => { setAsking(false); clearTakes(); }}>
        Remove {count} takes
      </button>
      <button type="button" data-testid="takes-clear-cancel" autoFocus onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}
