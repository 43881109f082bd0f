import { BACKEND_CHOICES, backendFromQuery, type BackendChoice } from '../runtime/backend';

export const BACKEND_STORAGE_KEY = 'musicgen-studio.backend';

function isChoice(v: string | null): v is BackendChoice {
  return v !== null && (BACKEND_CHOICES as readonly string[]).includes(v);
}

/** `?backend=` wins, then the stored choice, then 'auto'. */
export function resolveInitialBackend(search: string, stored: string | null): BackendChoice {
  return backendFromQuery(search) ?? (isChoice(stored) ? stored : 'auto');
}

/** The query string with `backend` set to the choice ('auto' removes it); keeps other params. */
export function searchWithBackend(search: string, choice: BackendChoice): string {
  const p = new URLSearchParams(search);
  if (choice === 'auto') p.delete('backend');
  else p.set('backend', choice);
  const s = p.toString();
  return s ? `?${s}` : '';
}
