import type { ReactNode } from 'react';
import { ChromaStrip } from './ChromaStrip';
import { useStudio } from './StoreContext';

interface Props {
  sourceId: string;
  name: string;
  /** Duration of the audio the chroma is computed from (what the waveform above spans). */
  durationSec: number;
}

/** Under a clip's or take's waveform: its chroma strip while it is the chosen melody. */
export function MelodyLane({ sourceId, name, durationSec }: Props) {
  const isMelody = useStudio((s) => s.melodyId === sourceId);
  const entry = useStudio((s) => s.chroma[sourceId]);
  if (!isMelody || !entry) return null;
  if (entry.status === 'computing') {
    return (
      <div className="lane">
        <span />
        <p className="lane-note" data-testid="chroma-computing">
          Computing the melody's chroma…
        </p>
      </div>
    );
  }
  if (entry.status === 'error') {
    return (
      <div className="lane">
        <span />
        <p className="clip-error" role="alert" data-testid="chroma-error" data-code={entry.error.code}>
          Chroma failed: {entry.error.message}
        </p>
      </div>
    );
  }
  return <ChromaStrip chroma={entry.result} durationSec={durationSec} name={name} />;
}

/** A waveform in the same column as the chroma strip and token grid below it. */
export function Lane({ children }: { children: ReactNode }) {
  return (
    <div className="lane">
      <span aria-hidden="true" />
      {children}
    </div>
  );
}
