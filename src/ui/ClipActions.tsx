import { encodeWav16 } from '../audio/wav';
import type { Clip } from '../state/types';
import { downloadBytes } from './download';
import { reconstructionFileName } from './format';
import { togglePlayback, useNowPlaying } from './playback';

interface Props {
  clip: Clip;
  onError(message: string): void;
}

/** Play original / play reconstruction (toggles) and download the reconstruction as WAV. */
export function ClipActions({ clip, onError }: Props) {
  const playing = useNowPlaying();
  const { original, result } = clip;
  const keyOriginal = `${clip.id}:original`;
  const keyRecon = `${clip.id}:reconstruction`;

  const toggle = (key: string, pcm: Float32Array, rate: number) => {
    togglePlayback(key, pcm, rate).catch((err: unknown) =>
      onError(`Playback failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  return (
    <div className="clip-actions">
      {original && (
        <button
          type="button"
          data-testid="play-original"
          className={playing === keyOriginal ? 'is-playing' : undefined}
          aria-pressed={playing === keyOriginal}
          onClick={() => toggle(keyOriginal, original.pcm, original.sampleRate)}
        >
          {playing === keyOriginal ? '■ Stop original' : '▶ Play original'}
        </button>
      )}
      {result && (
        <>
          <button
            type="button"
            data-testid="play-reconstruction"
            className={playing === keyRecon ? 'is-playing' : undefined}
            aria-pressed={playing === keyRecon}
            onClick={() => toggle(keyRecon, result.reconstruction, result.sampleRate)}
          >
            {playing === keyRecon ? '■ Stop reconstruction' : '▶ Play reconstruction'}
          </button>
          <button
            type="button"
            data-testid="download-wav"
            onClick={() =>
              downloadBytes(encodeWav16(result.reconstruction, result.sampleRate), reconstructionFileName(clip.name))
            }
          >
            ⤓ Download WAV
          </button>
        </>
      )}
    </div>
  );
}
