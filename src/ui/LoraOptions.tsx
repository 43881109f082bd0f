import { useId } from 'react';
import { availableGroups, type LoraGroup } from '../lm/loraTargets';
import { effectiveLoraAlpha, effectiveLoraGroups } from '../state/trainingSlice';
import type { TrainSettings } from '../state/trainingTypes';
import type { LmInfo } from '../workers/protocol';
import { NumberField } from './NumberField';

/** What each LoRA target group is, in a musician's words (src/lm/loraTargets.ts lists the weights). */
export const LORA_GROUP_TEXT: Record<LoraGroup, { label: string; hint: string }> = {
  selfAttention: { label: 'Self-attention', hint: 'How it follows the music so far: rhythm, repetition, form.' },
  crossAttention: { label: 'Cross-attention', hint: 'How it listens to the caption while it plays.' },
  feedForward: { label: 'Feed-forward', hint: 'Most of its weights: the sound of each moment.' },
  conditionProjection: { label: 'Prompt input', hint: 'Where the caption (and melody) enter the model.' },
  outputHeads: { label: 'Output heads', hint: 'How it picks the next codes, one head per codebook.' },
  embeddings: { label: 'Code embeddings', hint: 'How it reads the codes played so far.' },
};

interface Props {
  st: TrainSettings;
  set(patch: Partial<TrainSettings>): void;
  conditioning: LmInfo['conditioning'];
  disabled: boolean;
}

/** The LoRA part of the Train panel's Advanced settings: rank, alpha and which parts of the model get adapters. */
export function LoraOptions({ st, set, conditioning, disabled }: Props) {
  const id = useId();
  const offered = availableGroups(conditioning);
  const groups = effectiveLoraGroups(st, conditioning);
  const toggle = (g: LoraGroup, on: boolean) => set({ loraGroups: offered.filter((x) => (x === g ? on : groups.includes(x))) });
  return (
    <>
      <NumberField label="LoRA rank" value={st.loraRank} min={1} max={256} step={1} testId="train-rank" disabled={disabled}
        hint="Width of the adapters: a higher rank can learn more and makes a larger file." onCommit={(loraRank) => set({ loraRank: Math.round(loraRank) })} />
      <NumberField label="LoRA alpha" value={effectiveLoraAlpha(st)} min={0.01} max={4096} step={1} testId="train-alpha" disabled={disabled}
        hint={st.loraAlpha === null
          ? 'Strength of the adapters (alpha ÷ rank). Follows twice the rank until you set it.'
          : (
            <>
              Strength of the adapters (alpha ÷ rank).{' '}
              <button type="button" className="link-button" data-testid="train-alpha-default" disabled={disabled} onClick={() => set({ loraAlpha: null })}>
                Back to twice the rank
              </button>
            </>
          )}
        onCommit={(loraAlpha) => set({ loraAlpha })} />
      <NumberField label="LoRA dropout" value={st.loraDropout} min={0} max={0.9} step={0.05} testId="train-lora-dropout" disabled={disabled}
        hint="Share of the adapters' input hidden at random while training, against learning a few clips by heart; 0 = off."
        onCommit={(loraDropout) => set({ loraDropout })} />
      <fieldset className="lora-groups" data-testid="train-lora-groups" disabled={disabled}>
        <legend>Parts of the model to adapt</legend>
        {offered.map((g) => (
          <div className="check" key={g}>
            <input type="checkbox" id={`${id}-${g}`} data-testid={`train-lora-${g}`} checked={groups.includes(g)}
              aria-describedby={`${id}-${g}-hint`} onChange={(e) => toggle(g, e.currentTarget.checked)} />
            <label htmlFor={`${id}-${g}`}>{LORA_GROUP_TEXT[g].label}</label>
            <p id={`${id}-${g}-hint`} className="hint">{LORA_GROUP_TEXT[g].hint}</p>
          </div>
        ))}
        <p className={`hint${groups.length === 0 ? ' is-error' : ''}`} role={groups.length === 0 ? 'alert' : undefined}>
          {groups.length === 0 ? 'Pick at least one part to train.' : st.loraGroups === null ? 'All of them by default (the usual recipe for small data sets).' : ''}
          {st.loraGroups !== null && (
            <button type="button" className="link-button" data-testid="train-lora-default" onClick={() => set({ loraGroups: null })}>
              Back to all parts
            </button>
          )}
        </p>
      </fieldset>
    </>
  );
}
