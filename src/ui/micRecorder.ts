/**
 * Browser glue for recording a clip from the microphone: getUserMedia + MediaRecorder. The result is
 * a File that goes through addFiles like a dropped one. Pure parts: src/audio/micRecording.ts.
 */
import { micErrorCode, recordingFileName, recordingType } from '../audio/micRecording';
import { StudioError } from '../errors/StudioError';

export interface MicRecording {
  /** Ends the recording (if it has not ended by itself) and gives it as a file. */
  stop(): Promise<File>;
  /** Ends the recording and drops it. */
  cancel(): void;
}

const browserMessage = (err: unknown) => (err instanceof Error && err.message ? `(${err.message})` : '');

/**
 * Starts recording recording number `n`. `onEnded` runs if the recording ends without stop() or
 * cancel() (the microphone was unplugged or its permission revoked); stop() still gives what was
 * recorded until then.
 */
export async function startMicRecording(n: number, onEnded: () => void): Promise<MicRecording> {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') throw new StudioError('MIC_UNSUPPORTED');
  let stream: MediaStream;
  try {
    // The sound as played: no echo cancellation, noise suppression or automatic gain (made for calls).
    stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  } catch (err) {
    throw new StudioError(micErrorCode(err), browserMessage(err));
  }
  const release = () => stream.getTracks().forEach((t) => t.stop());
  const type = recordingType((t) => MediaRecorder.isTypeSupported(t));
  let recorder: MediaRecorder;
  try {
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  } catch (err) {
    release();
    throw new StudioError(micErrorCode(err), browserMessage(err));
  }
  const chunks: Blob[] = [];
  let asked = false;
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  };
  const done = new Promise<File>((resolve) => {
    recorder.onstop = () => {
      release();
      const mime = recorder.mimeType || type || 'audio/webm';
      resolve(new File(chunks, recordingFileName(n, mime), { type: mime.split(';')[0] }));
      if (!asked) onEnded();
    };
  });
  try {
    recorder.start(500); // a chunk every 0.5 s, so an unplugged microphone loses little
  } catch (err) {
    release();
    throw new StudioError(micErrorCode(err), browserMessage(err));
  }
  const end = () => {
    asked = true;
    if (recorder.state !== 'inactive') recorder.stop();
  };
  return {
    stop: () => {
      end();
      return done;
    },
    cancel: () => {
      end();
      chunks.length = 0;
    },
  };
}
