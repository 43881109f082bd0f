import { promptBpm, promptFacts } from '../eval/promptFacts';

/**
 * The Generate panel's example prompts. Those that name a key carry it, so that
 * `npm run eval:prompts` can check, seed by seed, that the bundled model plays them in that key
 * (and at the tempo a text names: "120 bpm", or its tempo word's range: "slow"); e2e/promptFollowing.spec.ts takes its prompts and
 * seeds from that sweep.
 */
export interface ExamplePrompt {
  text: string;
  key?: { tonic: string; mode: 'major' | 'minor' };
}

export const EXAMPLE_PROMPTS: readonly ExamplePrompt[] = [
  { text: 'slow piano melody in D minor', key: { tonic: 'D', mode: 'minor' } },
  { text: 'plucked guitar melody in E minor', key: { tonic: 'E', mode: 'minor' } },
  { text: 'lively piano melody in G major', key: { tonic: 'G', mode: 'major' } },
  { text: 'upbeat funk bass line with drums, 110 bpm' },
  { text: 'ambient pad, warm and calm' },
];

/** The examples that name a key. */
export const KEY_EXAMPLES = EXAMPLE_PROMPTS.filter((e): e is Required<ExamplePrompt> => e.key !== undefined);

/** The examples `eval:prompts` sweeps over seeds: those that name a key or a tempo ("120 bpm", "slow"). */
export const CHECKED_EXAMPLES = EXAMPLE_PROMPTS.filter((e) => e.key !== undefined || promptBpm(promptFacts(e.text)) !== undefined);
