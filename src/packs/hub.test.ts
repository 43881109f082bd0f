// The musicgen-small pack's loading path, end to end in Node, against the tiny hub
// (scripts/hub/tinyHub.ts) served by a fake hub server: manifest, registry, Range download of the
// decoder tensors, the LM built from them, and the ONNX graphs through the very code the engine uses.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTinyHub, hubPath, TINY_T5, type TinyHub } from '../../scripts/hub/tinyHub';
import { Codec } from '../codec/encodec';
import { fromHfConfig } from '../lm/config';
import { disposeLm, lmFromTensors, loadLm } from '../lm';
import { readSafetensors, writeSafetensors } from '../lm/safetensors';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import { T5Encoder } from '../text/t5Encoder';
import { loadTokenizer } from '../text/tokenizer';
import { downloadFiles } from './download';
import { checkPackGraphs } from './graphCheck';
import { parseManifest, type Manifest } from './manifest';
import { memoryBlobStore, PackCache } from './packCache';
import { packDownloadSpecs } from './packSpecs';
import { approxDownloadBytes, findPack, PACKS } from './registry';
import { fakeServer } from './testServer';

const realJson = JSON.parse(readFileSync(new URL('../../public/models/musicgen-small/manifest.json', import.meta.url), 'utf8'));
const HUB = 'http://localhost:4173/hub';
const MANIFEST_URL = 'http://localhost:4173/models/musicgen-small-tiny/manifest.json';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let hub: TinyHub;
let tiny: Manifest;
const file = (m: Manifest, role: string) => hub.files.get(hubPath(m.files[role]))!;
const serve = (opts: Parameters<typeof fakeServer>[1] = {}) => fakeServer(new Map([...hub.files].map(([p, b]) => [`/hub/${p}`, b])), opts);

beforeAll(async () => {
  hub = await buildTinyHub(realJson);
  tiny = parseManifest(hub.manifest);
  await tf.setBackend('cpu');
}, 120_000);

describe('the musicgen-small pack manifest', () => {
  it('carries the published numbers (musicgen.md §1, §4, §5)', () => {
    const m = parseManifest(realJson);
    expect(m.codec).toMatchObject({ sampleRate: 32000, frameRate: 50, hopLength: 640, codebooks: 4, cardinality: 2048, specialToken: 2048 });
    expect(m.text).toMatchObject({ hiddenSize: 768 });
    expect(m.lm!.config).toMatchObject({ dim: 1024, layers: 24, heads: 16, ffn: 4096, codebooks: 4, card: 2048, textDim: 768, conditioning: 'cross' });
    expect(m.lm!.defaults).toMatchObject({ topK: 250, cfg: 3 });
    expect(m.files[m.lm!.weights]).toMatchObject({ repo: 'facebook/musicgen-small', path: 'model.safetensors', tensors: ['decoder.', 'enc_to_dec_proj.'] });
    expect(Object.values(m.files).map((f) => f.path).sort()).toEqual(
      ['model.safetensors', 'onnx/encodec_decode.onnx', 'onnx/encodec_encoder.onnx', 'onnx/text_encoder.onnx', 'tokenizer.json']);
    const gb = approxDownloadBytes(m) / 1e9;
    expect(gb).toBeGreaterThan(2.2);
    expect(gb).toBeLessThan(2.4); // the 2.36 GB checkpoint minus T5 and EnCodec, plus the ONNX graphs
  });

  it('is in the registry next to the bundled pack', () => {
    expect(PACKS.map((p) => p.id)).toEqual(['studio', 'musicgen-small']);
    expect(findPack('musicgen-small')).toMatchObject({ bundled: false, approxBytes: approxDownloadBytes(parseManifest(realJson)) });
  });
});

describe('the tiny hub', () => {
  it('has the real pack\'s repositories, revisions and paths', () => {
    for (const [role, f] of Object.entries(parseManifest(realJson).files)) {
      expect(tiny.files[role]).toMatchObject({ repo: f.repo, revision: f.revision, path: f.path });
      expect(hub.files.has(hubPath(f))).toBe(true);
    }
    expect(hub.files.has('Xenova/t5-base/resolve/main/onnx/encoder_model.onnx')).toBe(true);
  });

  it('holds a whole MusicgenForConditionalGeneration in model.safetensors, and the config that describes it', () => {
    const names = [...readSafetensors(file(tiny, 'lmWeights')).tensors.keys()];
    for (const prefix of ['text_encoder.encoder.block.0.layer.0.SelfAttention.q.weight', 'audio_encoder.quantizer.layers.3.codebook.embed',
      'decoder.model.decoder.layers.1.encoder_attn.k_proj.weight', 'decoder.lm_heads.3.weight', 'enc_to_dec_proj.bias']) {
      expect(names).toContain(prefix);
    }
    const config = JSON.parse(new TextDecoder().decode(hub.files.get('facebook/musicgen-small/resolve/main/config.json')));
    expect(fromHfConfig(config)).toEqual(tiny.lm!.config);
  });

  it('is the same bytes every time it is built', async () => {
    const again = await buildTinyHub(realJson);
    expect([...again.files.keys()]).toEqual([...hub.files.keys()]);
    expect(again.manifest).toEqual(hub.manifest);
  });
});

describe('downloading the pack from a local hub', () => {
  it('fetches whole graphs, only the LM tensors of model.safetensors, and the LM loads from them', async () => {
    const server = serve();
    const specs = packDownloadSpecs(tiny, { manifestUrl: MANIFEST_URL, hubBase: HUB });
    expect(specs.find((s) => s.role === 'textEncoder')!.url).toBe(`${HUB}/Xenova/musicgen-small/resolve/d476e34ee4bb07afc1ee38cb904ef79d393b32bc/onnx/text_encoder.onnx`);
    const cache = new PackCache(memoryBlobStore());
    const got = await downloadFiles(specs, { fetch: server.fetch, cache });
    for (const role of ['codecEncoder', 'codecDecoder', 'textEncoder', 'tokenizer']) expect(sha(got.files.get(role)!)).toBe(sha(file(tiny, role)));

    const full = file(tiny, 'lmWeights');
    const lmSent = server.sent(/model\.safetensors$/);
    const all = readSafetensors(full).tensors;
    const skipped = [...all].filter(([n]) => n.startsWith('text_encoder.') || n.startsWith('audio_encoder.')).reduce((s, [, t]) => s + 4 * t.data.length, 0);
    expect(lmSent).toBeLessThan(full.length - skipped + 100_000); // the header and the decoder, not T5 or EnCodec
    const tensors = got.tensors.get('lmWeights')!;
    expect([...tensors.keys()].every((n) => n.startsWith('decoder.') || n.startsWith('enc_to_dec_proj.'))).toBe(true);

    const cfg = tiny.lm!.config;
    const ranged = lmFromTensors(cfg, tensors);
    const reference = loadLm(cfg, decoderOnly(full));
    try {
      const bytesOf = (a: tf.Variable) => new Uint8Array((a.dataSync() as Float32Array).buffer);
      for (const [name, v] of reference.named) expect(sha(bytesOf(ranged.named.get(name)!)), name).toBe(sha(bytesOf(v)));
    } finally {
      disposeLm(ranged);
      disposeLm(reference);
    }

    // A second visit: everything from the cache, no request at all.
    const offline = await downloadFiles(specs, { fetch: async () => { throw new TypeError('offline'); }, cache });
    expect(offline.tensors.get('lmWeights')!.size).toBe(tensors.size);
  });

  it('refuses a checkpoint that does not fit the manifest after reading only its header', async () => {
    const server = serve();
    const wrong = parseManifest({ ...hub.manifest, lm: { ...(hub.manifest.lm as object), config: { ...tiny.lm!.config, layers: 24 } } });
    await expect(downloadFiles(packDownloadSpecs(wrong, { manifestUrl: MANIFEST_URL, hubBase: HUB }, ['lmWeights']), { fetch: server.fetch }))
      .rejects.toMatchObject({ code: 'WEIGHTS_MISMATCH', message: expect.stringMatching(/has 2 decoder layers, the manifest's config has 24/) });
    expect(server.sent(/safetensors/)).toBeLessThan(20_000);
  });
});

/** The decoder part of a full checkpoint, as a file loadLm accepts (it refuses unknown names). */
function decoderOnly(full: Uint8Array): Uint8Array {
  const { tensors } = readSafetensors(full);
  return writeSafetensors(new Map([...tensors].filter(([n]) => n.startsWith('decoder.') || n.startsWith('enc_to_dec_proj.'))));
}

describe('the hub graphs through the studio\'s ONNX paths (onnxruntime-node)', () => {
  it('T5Encoder loads text_encoder.onnx and the t5-base export by the names in the session', async () => {
    const tokenizer = loadTokenizer(JSON.parse(new TextDecoder().decode(file(tiny, 'tokenizer'))));
    const ids = tokenizer.encode('lofi hip hop with a warm piano').ids;
    for (const bytes of [file(tiny, 'textEncoder'), hub.files.get('Xenova/t5-base/resolve/main/onnx/encoder_model.onnx')!]) {
      const session = await createNodeOrtSession(bytes);
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
      expect(session.outputNames).toEqual(['last_hidden_state']);
      const t5 = new T5Encoder(session, TINY_T5.dModel);
      const c = await t5.encode(ids);
      expect(c.dims).toEqual({ s: ids.length, d: TINY_T5.dModel });
      await t5.release();
    }
  });

  async function sessions(m: Manifest) {
    const s = async (role: string) => createNodeOrtSession(file(tiny, role));
    return { enc: await s(m.codec.encoder), dec: await s(m.codec.decoder), text: await s(m.text!.encoder) };
  }

  it('the codec and text graphs agree with the manifest', async () => {
    const { enc, dec, text } = await sessions(tiny);
    expect([enc.inputNames, enc.outputNames, dec.inputNames, dec.outputNames]).toEqual([['input_values'], ['audio_codes'], ['audio_codes'], ['audio_values']]);
    await checkPackGraphs(tiny, new Codec(tiny.codec, enc, dec), new T5Encoder(text, tiny.text!.hiddenSize));
    for (const s of [enc, dec, text]) await s.release();
  });

  const wrong: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['a text width of 768 (t5-base) for a 32-wide graph', (m) => { m.text.hiddenSize = 768; m.lm.config.textDim = 768; }, /text_encoder\.onnx: .*expected \[1, 1, 768\]/],
    ['8 codebooks for a 4-codebook codec', (m) => { m.codec.codebooks = 8; m.lm.config.codebooks = 8; }, /encodec_encoder\.onnx: encoder returned audio_codes \[1, 1, 4, 4\], expected \[1, 1, 8/],
    ['a larger codebook than the graphs hold', (m) => { m.codec.cardinality = 4096; m.codec.specialToken = 4096; m.lm.config.card = 4096; }, /encodec_decode\.onnx failed on token 4095/],
  ];
  it.each(wrong)('a manifest that promises %s is a MODEL_INTERFACE error', async (_, edit, msg) => {
    const json = structuredClone(hub.manifest) as Record<string, any>;
    edit(json);
    const m = parseManifest(json);
    const { enc, dec, text } = await sessions(m);
    const err = await checkPackGraphs(m, new Codec(m.codec, enc, dec), new T5Encoder(text, m.text!.hiddenSize)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INTERFACE' });
    expect((err as Error).message).toMatch(msg);
    for (const s of [enc, dec, text]) await s.release();
  });

  it('swapped or foreign graphs are refused: by name where the names differ, else by the probe run', async () => {
    const { enc, dec, text } = await sessions(tiny);
    expect(() => new Codec(tiny.codec, text, dec)).toThrow(/encoder graph has no "input_values" \(it has: input_ids, attention_mask\)/);
    expect(() => new Codec(tiny.codec, enc, text)).toThrow(/decoder graph has no "audio_codes" \(it has: input_ids, attention_mask\)/);
    // One input each, so the names alone cannot tell: the probe run does.
    const err = await checkPackGraphs(tiny, new Codec(tiny.codec, dec, enc)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INTERFACE', message: expect.stringMatching(/encodec_encoder\.onnx/) });
    for (const s of [enc, dec, text]) await s.release();
  });
});
