import { ERROR_TEXT, isErrorCode, type ErrorCode } from './codes';

/** An error with a stable code; `detail` carries the specifics (names, sizes, limits). */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail = '') {
    super(detail ? `${ERROR_TEXT[code]} ${detail}` : ERROR_TEXT[code]);
    this.name = 'StudioError';
    this.code = code;
    this.detail = detail;
  }
}

/** The plain-object form of an error that crosses the worker boundary intact. */
export interface WireError {
  name: string;
  code: ErrorCode;
  message: string;
  detail: string;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof StudioError) {
    return { name: err.name, code: err.code, message: err.message, detail: err.detail };
  }
  if (err instanceof DOMException && err.name === 'AbortError') {
    return { name: 'StudioError', code: 'CANCELLED', message: ERROR_TEXT.CANCELLED, detail: '' };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const oom = /out of memory|allocation failed|RangeError: Array buffer allocation/i.test(e.message);
  const code: ErrorCode = oom ? 'OUT_OF_MEMORY' : 'INTERNAL';
  return { name: e.name || 'Error', code, message: `${ERROR_TEXT[code]} ${e.message}`, detail: e.message };
}

export function fromWireError(w: WireError): StudioError {
  const err = new StudioError(isErrorCode(w.code) ? w.code : 'INTERNAL', w.detail);
  err.name = w.name;
  return err;
}
