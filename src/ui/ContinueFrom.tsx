import { useId, useMemo } from 'react';
import { noRoomText } from '../state/continuation';
import { listSources } from '../state/sources';
import type { AudioSource } from '../state/types';
import { formatSeconds } from './format';
import { NumberField } from './NumberField';
import { SourceOptions } from './SourceOptions';
import { useStudio } from './StoreContext';
import { Waveform } from './Waveform';

/** "Continue from": a clip or take, and the point on its waveform where the take goes on. */
export function ContinueFrom() {
  const id = useId();
  const clips = useStudio((s) => s.clips);
  const takes = useStudio((s) => s.takes);
  const cf = useStudio((s) => s.genSettings.continueFrom);
  const set = useStudio((s) => s.setGenSettings);
  const continueFrom = useStudio((s) => s.continueFrom);
  const frameRate = useStudio((s) => s.engine.info?.codec.frameRate);
  const takeSeconds = useStudio((s) => s.genSettings.seconds);
  const sources = useMemo(() => listSources({ clips, takes }), [clips, takes]);
  const src = cf ? sources.find((s) => s.id === cf.sourceId) : undefined;

  return (
    <div className="field continue">
      <label htmlFor={`${id}-sel`}>Continue from</label>
      <select
        id={`${id}-sel`}
        data-testid="continue-select"
        value={src?.id ?? ''}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (v) continueFrom(v);
          else set({ continueFrom: null });
        }}
      >
        <option value="">Nothing: start fresh</option>
        <SourceOptions sources={sources} />
      </select>
      {src && cf && <ContinuePoint src={src} startSec={cf.startSec} frameRate={frameRate} takeSeconds={takeSeconds} />}
    </div>
  );
}

function ContinuePoint({ src, startSec, frameRate, takeSeconds }: { src: AudioSource; startSec: number; frameRate?: number; takeSeconds: number }) {
  const set = useStudio((s) => s.setGenSettings);
  const dur = src.durationSec;
  const setAt = (sec: number) => set({ continueFrom: { sourceId: src.id, startSec: Math.min(dur, Math.max(0, sec)) } });
  const fr = frameRate ?? (dur > 0 ? src.t / dur : 50);
  const frames = Math.max(1, Math.min(src.t, Math.round(startSec * fr)));
  const noRoom = frames >= Math.round(takeSeconds * fr);
  return (
    <div className="continue-point">
      <Waveform
        pcm={src.pcm}
        height={48}
        marker={dur > 0 ? startSec / dur : 1}
        onPick={(f) => setAt(Math.round(f * dur * 10) / 10)}
        testId="continue-waveform"
        label={`Waveform of ${src.name}; the take continues from ${startSec.toFixed(1)} s. Click to move the point.`}
      />
      <NumberField
        label="Continue after"
        unit="s"
        value={Number(startSec.toFixed(2))}
        min={0}
        max={Number(dur.toFixed(2))}
        step={0.1}
        testId="continue-start"
        hint={`Keeps the first ${formatSeconds(Number((frames / fr).toFixed(2)))} (${frames} frames) of ${src.name} and continues from there. Click the waveform to choose.`}
        onCommit={setAt}
      />
      {noRoom && (
        <p className="notice is-warn" data-testid="continue-no-room">
          {noRoomText(takeSeconds, frames / fr, src.name)}
        </p>
      )}
    </div>
  );
}
