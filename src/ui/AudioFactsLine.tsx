import { DESCRIBE_MAX_SECONDS, type AudioFacts } from '../eval/describe';
import { keyLabel, tempoLabel, type AskedCheck, type Verdict } from './factsText';

const MARK: Record<Verdict, { sign: string; words: string }> = {
  match: { sign: '✓', words: 'matches' },
  close: { sign: '≈', words: 'close' },
  miss: { sign: '✗', words: 'does not match' },
  unclear: { sign: '?', words: 'cannot tell' },
};

function Asked({ label, verdict, what }: { label: string; verdict: Verdict; what: 'key' | 'tempo' }) {
  return (
    <span className={`asked is-${verdict}`} data-asked={what} data-verdict={verdict}>
      {label} <span aria-hidden="true">{MARK[verdict].sign}</span>
      <span className="visually-hidden">({MARK[verdict].words})</span>
    </span>
  );
}

/**
 * "Sounds like D minor · 118 bpm", as the evaluation's detectors hear the audio, then optionally a
 * comparison: for a take, what its prompt asked for ("prompt: D minor ✓"); for a clip, what its
 * reconstruction sounds like ("reconstruction: D minor ✓"), each marked.
 */
export function AudioFactsLine({ facts, versus, testId }: { facts: AudioFacts | null; versus?: { label: string; check: AskedCheck }; testId: string }) {
  if (!facts) return null;
  const check = versus?.check ?? {};
  const part = facts.seconds < DESCRIBE_MAX_SECONDS ? '' : ` (its first ${DESCRIBE_MAX_SECONDS} s)`;
  return (
    <p className="facts hint" data-testid={testId} data-key={keyLabel(facts)} data-bpm={facts.tempo.clear ? facts.tempo.bpm : 0}
      title={`Detected in the audio${part}: key from its chroma (Krumhansl–Kessler profiles), tempo from onset autocorrelation.`}>
      Sounds like <strong>{keyLabel(facts)}</strong> · {tempoLabel(facts)}
      {(check.key || check.tempo) && (
        <>
          {' '}· {versus!.label}: {check.key && <Asked {...check.key} what="key" />}
          {check.key && check.tempo && ', '}
          {check.tempo && <Asked {...check.tempo} what="tempo" />}
        </>
      )}
    </p>
  );
}
