import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileUrl, parseManifest, windowFrames } from './manifest';

const bundled = JSON.parse(readFileSync(new URL('../../public/models/studio/manifest.json', import.meta.url), 'utf8'));
const clone = () => structuredClone(bundled);

describe('parseManifest', () => {
  it('accepts the bundled pack and keeps its numbers', () => {
    const m = parseManifest(bundled);
    expect(m.id).toBe('studio');
    expect(m.codec.sampleRate / m.codec.hopLength).toBe(m.codec.frameRate);
    expect(m.files[m.codec.encoder].path).toBe('encodec_encoder.onnx');
    expect(m.lm?.trainDefaults?.lr).toEqual({ full: 1e-3, lora: 1e-3 });
    const plain = clone();
    delete plain.lm.trainDefaults;
    expect(parseManifest(plain).lm?.trainDefaults).toBeUndefined(); // optional: the engine falls back to musicgen-small's
  });

  it("keeps the pack's continuation guidance, optional", () => {
    expect(parseManifest(bundled).lm!.defaults).toMatchObject({ cfg: 3, continuationCfg: 5 });
    const plain = clone();
    delete plain.lm.defaults.continuationCfg;
    expect(parseManifest(plain).lm!.defaults).not.toHaveProperty('continuationCfg');
  });

  it('turns the generation window into frames, and leaves it out when absent', () => {
    const m = parseManifest(bundled);
    expect(m.lm!.window).toEqual({ maxSeconds: 5, extendStrideSeconds: 3 }); // the pretraining's 5 s crops
    expect(windowFrames(m.lm!, m.codec.frameRate)).toEqual({ maxFrames: 250, strideFrames: 150 });
    const real = parseManifest(JSON.parse(readFileSync(new URL('../../public/models/musicgen-small/manifest.json', import.meta.url), 'utf8')));
    expect(windowFrames(real.lm!, real.codec.frameRate)).toEqual({ maxFrames: 1500, strideFrames: 900 }); // audiocraft: 30 s, stride 18 s
    const plain = clone();
    delete plain.lm.window;
    expect(windowFrames(parseManifest(plain).lm!, 50)).toBeUndefined();
  });

  const broken: [string, (m: ReturnType<typeof clone>) => unknown, RegExp][] = [
    ['not an object', () => [], /manifest: expected an object/],
    ['wrong schema', (m) => { m.schema = 2; return m; }, /schema/],
    ['missing id', (m) => { delete m.id; return m; }, /manifest\.id/],
    ['codec names an unknown file', (m) => { m.codec.decoder = 'nope'; return m; }, /"nope"/],
    ['bad sha256', (m) => { m.files.codecEncoder.sha256 = 'xyz'; return m; }, /sha256/],
    ['negative size', (m) => { m.files.codecDecoder.bytes = -1; return m; }, /bytes/],
    ['path escaping the pack', (m) => { m.files.codecDecoder.path = '../../etc/passwd'; return m; }, /climb/],
    ['inconsistent frame rate', (m) => { m.codec.frameRate = 75; return m; }, /frameRate/],
    ['special token inside the codebook', (m) => { m.codec.specialToken = 3; return m; }, /specialToken/],
    ['fractional codebook count', (m) => { m.codec.codebooks = 2.5; return m; }, /codebooks/],
    ['negative context', (m) => { m.codec.contextFrames = -1; return m; }, /contextFrames/],
    ['a training lr of 2', (m) => { m.lm.trainDefaults.lr.full = 2; return m; }, /lm\.trainDefaults\.lr\.full/],
    ['training defaults without lora', (m) => { delete m.lm.trainDefaults.lr.lora; return m; }, /lm\.trainDefaults\.lr\.lora/],
    ['a continuation guidance that is not a number', (m) => { m.lm.defaults.continuationCfg = 'high'; return m; }, /lm\.defaults\.continuationCfg/],
    ['a window with no stride', (m) => { delete m.lm.window.extendStrideSeconds; return m; }, /lm\.window\.extendStrideSeconds/],
    ['a stride as long as the window', (m) => { m.lm.window.extendStrideSeconds = 5; return m; }, /lm\.window\.extendStrideSeconds/],
    ['a window past the LM\'s positions', (m) => { m.lm.window.maxSeconds = 40; m.lm.window.extendStrideSeconds = 20; return m; }, /lm\.window\.maxSeconds.*positions/],
    ['a window of one frame', (m) => { m.lm.window.maxSeconds = 0.02; m.lm.window.extendStrideSeconds = 0.01; return m; }, /lm\.window\.maxSeconds/],
  ];
  it.each(broken)('rejects %s with MANIFEST_INVALID naming the field', (_, mutate, field) => {
    let err: unknown;
    try { parseManifest(mutate(clone())); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID' });
    expect((err as Error).message).toMatch(field);
  });

  it('accepts hub files: repo, revision, tensor prefixes, sizes and hashes optional', () => {
    const m = clone();
    m.files.lmWeights = { repo: 'facebook/musicgen-small', path: 'model.safetensors', tensors: ['decoder.', 'enc_to_dec_proj.'], approxBytes: 1e9 };
    m.files.textEncoder = { repo: 'Xenova/musicgen-small', revision: 'abc123', path: 'onnx/text_encoder.onnx', sha256: 'a'.repeat(64) };
    const p = parseManifest(m);
    expect(p.files.lmWeights).toEqual({ repo: 'facebook/musicgen-small', path: 'model.safetensors', tensors: ['decoder.', 'enc_to_dec_proj.'], approxBytes: 1e9 });
    expect(fileUrl('http://x.test/models/p/manifest.json', p.files.textEncoder)).toBe('https://huggingface.co/Xenova/musicgen-small/resolve/abc123/onnx/text_encoder.onnx');
    expect(fileUrl('http://x.test/models/p/manifest.json', p.files.lmWeights, 'http://x.test/hub/')).toBe('http://x.test/hub/facebook/musicgen-small/resolve/main/model.safetensors');
    expect(fileUrl('http://x.test/models/p/manifest.json', p.files.lmWeights, '/mirror')).toBe('http://x.test/mirror/facebook/musicgen-small/resolve/main/model.safetensors');
    // A hub pull request's revision, and a legacy repository id without an organisation.
    m.files.textEncoder = { repo: 't5-base', revision: 'refs/pr/6', path: 'onnx/encoder_model.onnx' };
    expect(fileUrl('http://x.test/models/p/manifest.json', parseManifest(m).files.textEncoder)).toBe('https://huggingface.co/t5-base/resolve/refs%2Fpr%2F6/onnx/encoder_model.onnx');
  });

  const brokenHub: [string, (m: ReturnType<typeof clone>) => unknown, RegExp][] = [
    ['a repo that climbs out of the hub', (m) => { m.files.lmWeights.repo = '../..'; return m; }, /repo/],
    ['a revision of dots', (m) => { m.files.lmWeights.repo = 'a/b'; m.files.lmWeights.revision = '..'; return m; }, /revision/],
    ['a token cap with no room for a word', (m) => { m.text.maxTokens = 1; return m; }, /maxTokens/],
    ['an absolute path in a repo', (m) => { m.files.lmWeights.repo = 'a/b'; m.files.lmWeights.path = 'https://evil.test/x'; return m; }, /inside the repository/],
    ['a revision without a repo', (m) => { m.files.lmWeights.revision = 'main'; return m; }, /revision/],
    ['tensor prefixes on an ONNX file', (m) => { m.files.codecDecoder.tensors = ['decoder.']; return m; }, /tensors/],
    ['an empty tensor list', (m) => { m.files.lmWeights.tensors = []; return m; }, /tensors/],
    ['a whole-file hash on a file read by tensors', (m) => { m.files.lmWeights.tensors = ['decoder.']; return m; }, /sha256/],
  ];
  it.each(brokenHub)('rejects %s', (_, mutate, field) => {
    expect(() => parseManifest(mutate(clone()))).toThrow(field);
  });

  it('resolves file URLs against the manifest URL', () => {
    const m = parseManifest(bundled);
    expect(fileUrl('http://x.test/models/studio/manifest.json', m.files.codecEncoder)).toBe('http://x.test/models/studio/encodec_encoder.onnx');
  });
});
