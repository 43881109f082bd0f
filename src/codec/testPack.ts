// Test helper (Node only): the bundled pack's codec over onnxruntime-node.
import { readFileSync } from 'node:fs';
import { parseManifest, type Manifest } from '../packs/manifest';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import { Codec } from './encodec';

export const PACK_DIR = new URL('../../public/models/studio/', import.meta.url).pathname;

export function readPackManifest(): Manifest {
  return parseManifest(JSON.parse(readFileSync(PACK_DIR + 'manifest.json', 'utf8')));
}

export async function loadBundledCodec(chunkFrames?: number): Promise<Codec> {
  const m = readPackManifest();
  const bytes = (role: string) => new Uint8Array(readFileSync(PACK_DIR + m.files[role].path));
  const enc = await createNodeOrtSession(bytes(m.codec.encoder));
  const dec = await createNodeOrtSession(bytes(m.codec.decoder));
  return new Codec(m.codec, enc, dec, chunkFrames);
}
