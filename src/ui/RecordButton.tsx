import { useEffect, useRef, useState } from 'react';
import { LIMITS } from '../audio/checks';
import { nextRecordingNumber } from '../audio/micRecording';
import { toErrorInfo } from '../state/errors';
import type { ErrorInfo } from '../state/types';
import { formatDuration } from './format';
import { startMicRecording, type MicRecording } from './micRecorder';
import { useStudio, useStudioStore } from './StoreContext';

type Phase = 'idle' | 'starting' | 'recording';

/**
 * Record a clip from the microphone (a hummed melody, a riff played into the laptop). Press to
 * start, press again to stop; the recording becomes a clip like a dropped file. Stops by itself at
 * the clip length limit.
 */
export function RecordButton() {
  const store = useStudioStore();
  const addFiles = useStudio((s) => s.addFiles);
  const announce = useStudio((s) => s.announce);
  const [phase, setPhase] = useState<Phase>('idle');
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const rec = useRef<MicRecording | null>(null);

  const finish = async () => {
    const r = rec.current;
    if (!r) return;
    rec.current = null;
    setPhase('idle');
    void addFiles([await r.stop()]); // announces the new clip's decoding and tokenizing
  };

  const start = async () => {
    setError(null);
    setPhase('starting');
    try {
      const n = nextRecordingNumber(store.getState().clips.map((c) => c.name));
      rec.current = await startMicRecording(n, () => void finish());
      setElapsed(0);
      setPhase('recording');
      announce('Recording from the microphone. Press Stop recording when you are done.');
    } catch (err) {
      const info = toErrorInfo(err);
      setError(info);
      setPhase('idle');
      announce(info.message);
    }
  };

  useEffect(() => {
    if (phase !== 'recording') return;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const s = (performance.now() - t0) / 1000;
      setElapsed(s);
      if (s >= LIMITS.maxSeconds) void finish();
    }, 200);
    return () => clearInterval(timer);
  }, [phase]); // finish only reads the ref and stable store actions

  useEffect(() => () => rec.current?.cancel(), []); // leaving the page mid-recording frees the microphone

  // The label says what a press does ("Stop recording"), so the button is not a toggle with aria-pressed
  // (a toggle's label must not change with its state, WAI-ARIA APG).
  const recording = phase === 'recording';
  return (
    <div className="record">
      <button
        type="button"
        className={recording ? 'record-button is-recording' : 'record-button'}
        data-testid="record-button"
        data-recording={recording}
        disabled={phase === 'starting'}
        onClick={() => void (recording ? finish() : start())}
      >
        <span className="record-dot" aria-hidden="true" />
        {recording ? 'Stop recording' : phase === 'starting' ? 'Starting the microphone…' : 'Record from microphone'}
      </button>
      {recording && (
        <span className="record-time" data-testid="record-time" role="timer" aria-label="recorded so far">
          {formatDuration(elapsed)}
        </span>
      )}
      {error && (
        <p className="inline-error" role="alert" data-testid="record-error" data-code={error.code}>
          {error.message}
        </p>
      )}
    </div>
  );
}
