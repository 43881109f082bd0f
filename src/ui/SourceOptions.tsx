import type { AudioSource } from '../state/types';

/** <option>s for clips and takes, grouped, for the melody and continue-from pickers. */
export function SourceOptions({ sources }: { sources: AudioSource[] }) {
  const clips = sources.filter((s) => s.kind === 'clip');
  const takes = sources.filter((s) => s.kind === 'take');
  return (
    <>
      {clips.length > 0 && (
        <optgroup label="Clips">
          {clips.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </optgroup>
      )}
      {takes.length > 0 && (
        <optgroup label="Takes">
          {takes.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
}
