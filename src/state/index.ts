export { createStudioStore, type StudioStore } from './store';
export { resolveInitialBackend, searchWithBackend, BACKEND_STORAGE_KEY } from './backendPref';
export * from './selectors';
export { listSources, findSource, takeFileName, codesHash, continuationArgs, parseSeed, MAX_SEED } from './sources';
export { MAX_VARIATIONS, FALLBACK_DEFAULTS } from './generationSlice';
export type * from './types';
export type * from './trainingTypes';
export { DEFAULT_TRAIN_SETTINGS, trainOptions } from './trainingSlice';
