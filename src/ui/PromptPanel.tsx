import { useId, useMemo, useRef } from 'react';
import { ALL_KEYS, keyName } from '../corpus/theory';
import { keyIndex } from '../lm/beatClock';
import { takeKey, takePrompt, takeTempo } from '../eval/promptFacts';
import { EXAMPLE_PROMPTS } from '../state/examples';
import { findSource, listSources } from '../state/sources';
import { GENERATE_BUTTON_ID } from './GeneratePanel';
import { SourceOptions } from './SourceOptions';
import { useStudio } from './StoreContext';


/** The text prompt (with a live token count) and the melody picker. */
export function PromptPanel() {
  const id = useId();
  const prompt = useStudio((s) => s.prompt);
  const setPrompt = useStudio((s) => s.setPrompt);
  const box = useRef<HTMLTextAreaElement>(null);
  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="prompt-panel">
      <h2 id={`${id}-h`}>Prompt &amp; melody</h2>
      <div className="field">
        <label htmlFor={`${id}-prompt`}>Describe the music</label>
        <textarea
          ref={box}
          id={`${id}-prompt`}
          data-testid="prompt-input"
          rows={3}
          value={prompt}
          placeholder="e.g. slow piano melody in D minor"
          aria-describedby={`${id}-count ${id}-notes`}
          spellCheck
          aria-keyshortcuts="Control+Enter Meta+Enter"
          onChange={(e) => setPrompt(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
            e.preventDefault(); // Ctrl/Cmd+Enter generates, as the button would (it may be disabled)
            const button = document.getElementById(GENERATE_BUTTON_ID);
            if (button instanceof HTMLButtonElement && !button.disabled) button.click();
          }}
        />
        <PromptCount id={`${id}-count`} notesId={`${id}-notes`} />
      </div>
      <div className="examples" role="group" aria-label="Example prompts">
        <span className="examples-label" aria-hidden="true">
          Try:
        </span>
        {EXAMPLE_PROMPTS.map(({ text: p }) => (
          <button
            key={p}
            type="button"
            className="chip"
            data-testid="example-prompt"
            aria-label={`Use example prompt: ${p}`}
            aria-pressed={prompt === p}
            onClick={() => {
              setPrompt(p);
              box.current?.focus();
            }}
          >
            {p}
          </button>
        ))}
      </div>
      <MelodyPicker />
    </section>
  );
}

function PromptCount({ id, notesId }: { id: string; notesId: string }) {
  const prompt = useStudio((s) => s.prompt);
  const pi = useStudio((s) => s.promptInfo);
  const error = useStudio((s) => s.promptInfoError);
  const engineInfo = useStudio((s) => s.engine.info);
  const text = prompt.trim();
  const noEncoder = engineInfo !== undefined && !engineInfo.text;
  const current = pi !== undefined && pi.text === text;
  // As the engine decides (takeClock): a continued source's steady tempo wins over the prompt's.
  const heardBpm = useStudio((s) => (s.genSettings.continueFrom ? findSource(s, s.genSettings.continueFrom.sourceId)?.tempo?.bpm : undefined));
  // A primitive from the store (a fresh object each time would re-render for ever): the key's index, or -1.
  const heardIndex = useStudio((s) => {
    const k = s.genSettings.continueFrom ? findSource(s, s.genSettings.continueFrom.sourceId)?.key : undefined;
    return k ? keyIndex(k.tonic, k.mode) : -1;
  });

  const heardKey = heardIndex < 0 ? undefined : ALL_KEYS[heardIndex]; // ALL_KEYS is in keyIndex's order
  // As generate() decides: an empty box continues what was heard in the continued audio.
  const heard = text === '' ? takePrompt(text, heardKey, heardBpm ? { bpm: heardBpm } : undefined) : '';
  let count: string;
  if (heard) count = `continues what it heard: “${heard}”`;
  else if (text === '') count = 'no prompt: the model plays freely';
  else if (noEncoder) count = 'no text encoder in this pack';
  else if (pi) count = `${pi.info.tokens} / ${pi.info.maxTokens} tokens`;
  else if (error) count = 'token count unavailable';
  else count = 'counting…';

  const info = text !== '' && pi ? pi.info : undefined;
  const tempo = engineInfo?.lm?.beatClock ? takeTempo(text, heardBpm) : undefined;
  const key = engineInfo?.lm?.keyChannel ? takeKey(text, heardKey) : undefined;
  return (
    <div className="prompt-meta">
      <span
        id={id}
        className="token-count"
        data-testid="prompt-token-count"
        data-pending={text !== '' && !current && !noEncoder ? 'true' : undefined}
        title={error && !current ? error.message : heard ? 'An empty prompt continues the audio with what the studio heard in it as the prompt' : text === '' ? 'An empty prompt generates without text conditioning' : undefined}
      >
        {count}
      </span>
      <div id={notesId} className="prompt-notes">
        {engineInfo?.lm?.beatClock && (
          <p className="hint" data-testid="prompt-tempo" data-bpm={tempo?.bpm ?? 0}>
            {!tempo ? 'Name a tempo (“96 bpm”) and the take keeps that beat.'
              : tempo.from === 'continued' ? `The take keeps the beat of the audio it continues (${tempo.bpm} bpm).`
              : tempo.from === 'word' ? `The take keeps the beat at ${tempo.bpm} bpm, the middle of “${tempo.word.word}” (${tempo.word.from}–${tempo.word.to} bpm).`
              : `The take keeps the beat at ${tempo.bpm} bpm.`}
          </p>
        )}
        {engineInfo?.lm?.keyChannel && (
          <p className="hint" data-testid="prompt-key" data-key={key ? keyName(key.key) : ''}>
            {!key ? 'Name a key (“D minor”) and the take plays in it.'
              : key.from === 'continued' ? `The take stays in the key of the audio it continues (${keyName(key.key)}).`
              : `The take plays in ${keyName(key.key)}.`}
          </p>
        )}
        {info?.truncated && (
          <p className="notice" data-testid="prompt-truncated">
            Prompt cut to {info.maxTokens} tokens: the model only reads the first {info.maxTokens}.
          </p>
        )}
        {info && info.unknown > 0 && (
          <p className="notice is-warn" data-testid="prompt-unknown">
            {info.unknown === 1 ? '1 piece' : `${info.unknown} pieces`} of the prompt {info.unknown === 1 ? 'is' : 'are'} not in the
            model's vocabulary and will be read as “unknown”.
          </p>
        )}
      </div>
    </div>
  );
}

function MelodyPicker() {
  const id = useId();
  const clips = useStudio((s) => s.clips);
  const takes = useStudio((s) => s.takes);
  const melodyId = useStudio((s) => s.melodyId);
  const setMelody = useStudio((s) => s.setMelody);
  const entry = useStudio((s) => (s.melodyId ? s.chroma[s.melodyId] : undefined));
  const lm = useStudio((s) => s.engine.info?.lm);
  const sources = useMemo(() => listSources({ clips, takes }), [clips, takes]);
  const chosen = sources.find((s) => s.id === melodyId);
  const textOnly = !lm || lm.conditioning === 'cross';

  return (
    <div className="field melody">
      <label htmlFor={`${id}-sel`}>Melody</label>
      <select
        id={`${id}-sel`}
        data-testid="melody-select"
        value={melodyId ?? ''}
        aria-describedby={`${id}-note`}
        onChange={(e) => setMelody(e.currentTarget.value || null)}
      >
        <option value="">None</option>
        <SourceOptions sources={sources} />
      </select>
      <p id={`${id}-note`} className="hint" data-testid="melody-note">
        {chosen && entry?.status === 'computing' && `Computing the chroma of ${chosen.name}… `}
        {chosen && entry?.status === 'ready' && `Chroma shown under ${chosen.name}. `}
        {sources.length === 0 && 'Add a clip or generate a take to use it as a melody. '}
        {textOnly && 'This model is conditioned on text only: the melody is shown for reference and not used when generating.'}
        {!textOnly && (chosen ? 'Takes follow this melody (its dominant pitch class per half second).' : 'This model follows a melody: pick a clip or take, or none for the text alone.')}
      </p>
    </div>
  );
}
