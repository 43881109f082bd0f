import { DESCRIBE_MAX_SECONDS, type AudioFacts } from '../eval/describe';
import type { PromptFacts } from '../eval/promptFacts';
import { checkAsked, keyLabel, tempoLabel, type Verdict } from './factsText';

const MARK: Record<Verdict, { sign: string; words: string }> = {
  match: { sign: '✓', words: 'matches' },
  close: { sign: '≈', words: 'close' },
  miss: { sign: '✗', words: 'does not match' },
};

function Asked({ label, verdict }: { label: string; verdict: Verdict }) {
  return (
    <span className={`asked is-${verdict}`} data-verdict={verdict}>
      {label} <span aria-hidden="true">{MARK[verdict].sign}</span>
      <span className="visually-hidden">({MARK[verdict].words})</span>
    </span>
  );
}

/**
 * "Sounds like D minor · 118 bpm", as the evaluation's detectors hear the audio; for a take whose
 * prompt names a key or a tempo, also what it asked for and whether the take has it.
 */
export function AudioFactsLine({ facts, asked, testId }: { facts: AudioFacts | null; asked?: PromptFacts; testId: string }) {
  if (!facts) return null;
  const check = asked ? checkAsked(asked, facts) : {};
  const part = facts.seconds < DESCRIBE_MAX_SECONDS ? '' : ` (its first ${DESCRIBE_MAX_SECONDS} s)`;
  return (
    <p className="facts hint" data-testid={testId} data-key={keyLabel(facts)} data-bpm={facts.tempo.clear ? facts.tempo.bpm : 0}
      title={`Detected in the audio${part}: key from its chroma (Krumhansl–Kessler profiles), tempo from onset autocorrelation.`}>
      Sounds like <strong>{keyLabel(facts)}</strong> · {tempoLabel(facts)}
      {(check.key || check.tempo) && (
        <>
          {' '}· prompt: {check.key && <Asked {...check.key} />}
          {check.key && check.tempo && ', '}
          {check.tempo && <Asked {...check.tempo} />}
        </>
      )}
    </p>
  );
}
