export { createStudioStore, type StudioStore } from './store';
export { resolveInitialBackend, searchWithBackend, BACKEND_STORAGE_KEY } from './backendPref';
export * from './selectors';
export type * from './types';
