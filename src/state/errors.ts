import { isErrorCode, type ErrorCode } from '../errors/codes';
import { toWireError } from '../errors/StudioError';
import type { ErrorInfo } from './types';

/** Any thrown value as `{code, message}` for the UI; StudioErrors keep their code and text. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (typeof err === 'object' && err !== null && 'code' in err && 'message' in err) {
    const { code, message } = err as { code: unknown; message: unknown };
    if (isErrorCode(code) && typeof message === 'string') return { code, message };
  }
  const w = toWireError(err);
  return { code: w.code, message: w.message };
}

export function isCancel(err: unknown): boolean {
  return toErrorInfo(err).code === 'CANCELLED';
}

/** Failures of the engine rather than of the file: a clip that met one can be tokenized again from its kept audio. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['GPU_DEVICE_LOST', 'ENGINE_CRASHED', 'OUT_OF_MEMORY', 'INTERNAL']);
export const canRetry = (e: ErrorInfo): boolean => RETRYABLE.has(e.code);
