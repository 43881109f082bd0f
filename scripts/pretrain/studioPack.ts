/**
 * The bundled pack's codec, tokenizer and text encoder, loaded in Node from a pack folder (or from
 * bytes just built), for the scripts that tokenize and caption the pretraining corpus and evaluate
 * the pretrained LM. Same classes as the studio (src/codec, src/text) over onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildEncoderGraph } from '../pack/codecGraphs.ts';
import { readCodebooks } from '../pack/readCodebooks.ts';
import { Codec } from '../../src/codec/encodec.ts';
import { parseManifest, type Manifest } from '../../src/packs/manifest.ts';
import { createNodeOrtSession } from '../../src/runtime/ortSessionNode.ts';
import { encodePrompt } from '../../src/text/prompt.ts';
import { T5Encoder, type TextCondition } from '../../src/text/t5Encoder.ts';
import { loadTokenizer, type TextTokenizer } from '../../src/text/tokenizer.ts';

export interface StudioTools {
  manifest: Manifest;
  codec: Codec;
  tokenizer: TextTokenizer;
  text: T5Encoder;
  /** Caption -> T5 states [tokens, D] (the empty caption gives the null condition). */
  caption(text: string): Promise<TextCondition>;
}

/** `files` maps a manifest path to its bytes; missing ones are read from `dir`. */
export async function loadStudioTools(dir: string, files: Record<string, Uint8Array> = {}): Promise<StudioTools> {
  const read = (path: string) => files[path] ?? new Uint8Array(readFileSync(new URL(path, `file://${dir.endsWith('/') ? dir : dir + '/'}`)));
  const manifest = parseManifest(JSON.parse(new TextDecoder().decode(read('manifest.json'))));
  const role = (r: string) => read(manifest.files[r].path);
  const codec = new Codec(manifest.codec, await createNodeOrtSession(role(manifest.codec.encoder)), await createNodeOrtSession(role(manifest.codec.decoder)));
  const tokenizer = loadTokenizer(JSON.parse(new TextDecoder().decode(role(manifest.text!.tokenizer))), { maxTokens: manifest.text!.maxTokens });
  const text = new T5Encoder(await createNodeOrtSession(role(manifest.text!.encoder)), manifest.text!.hiddenSize);
  return { manifest, codec, tokenizer, text, caption: (t) => encodePrompt(tokenizer, text, t) };
}

/**
 * The pack's tools with its codec encoder rebuilt at the full gain resolution (every stage-0 level,
 * gainStep 1): the tokens the pretraining stages before the one that retokenizes were trained on.
 * The manifest entry carries that encoder's size and hash, so the corpus cache and the run ids are
 * those of the chain as it was first trained.
 */
export async function loadFullGainTools(dir: string): Promise<StudioTools> {
  const base = dir.endsWith('/') ? dir : dir + '/';
  const manifest = JSON.parse(readFileSync(base + 'manifest.json', 'utf8'));
  const entry = manifest.files[manifest.codec.encoder];
  const { codebooks, dims, scale } = readCodebooks(new Uint8Array(readFileSync(base + entry.path)));
  const encoder = buildEncoderGraph(codebooks, dims, { scale });
  manifest.files[manifest.codec.encoder] = { ...entry, bytes: encoder.length, sha256: createHash('sha256').update(encoder).digest('hex') };
  return loadStudioTools(base, { 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)), [entry.path]: encoder });
}
