import { DEFAULT_PACK_ID } from './packsSlice';

export const PACK_STORAGE_KEY = 'musicgen-studio.pack';

/** A pack id is a folder name under models/: letters, digits, `_`, `.` and `-`. */
const isPackId = (v: string | null): v is string => v !== null && /^[\w.-]{1,80}$/.test(v) && !/^\.+$/.test(v);

/** `?pack=` wins, then the stored choice, then the bundled pack. */
export function resolveInitialPack(search: string, stored: string | null): string {
  const asked = new URLSearchParams(search).get('pack');
  if (isPackId(asked)) return asked;
  return isPackId(stored) ? stored : DEFAULT_PACK_ID;
}

/** The query string with `pack` set to `id` (the bundled pack removes it); keeps other params. */
export function searchWithPack(search: string, id: string): string {
  const p = new URLSearchParams(search);
  if (id === DEFAULT_PACK_ID) p.delete('pack');
  else p.set('pack', id);
  const s = p.toString();
  return s ? `?${s}` : '';
}
