import type { Clip, StudioState } from './types';

/** Use with useShallow: a new array each call. */
export const selectClipIds = (s: StudioState): string[] => s.clips.map((c) => c.id);
export const selectClip =
  (id: string) =>
  (s: StudioState): Clip | undefined =>
    s.clips.find((c) => c.id === id);
export const selectBackendInUse = (s: StudioState) => s.engine.info?.backend ?? null;
export const selectCodec = (s: StudioState) => s.engine.info?.codec ?? null;
