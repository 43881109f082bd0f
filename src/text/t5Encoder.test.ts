import { describe, expect, it } from 'vitest';
import { buildStudioTokenizer } from '../../scripts/pack/textTokenizer';
import { buildTextEncoder, STUDIO_T5 } from '../../scripts/pack/textEncoder';
import { StudioError } from '../errors/StudioError';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import { float32, type SessionRunner, type TensorMap } from '../runtime/sessionRunner';
import { PromptCache } from './promptCache';
import { encodePrompt } from './prompt';
import { nullCondition, padCondition, T5Encoder } from './t5Encoder';
import { loadTokenizer } from './tokenizer';

/** A fake encoder session: state[s][i] = id[s] + i / 1000, recording the feeds it gets. */
function fakeSession(inputs: string[], outputs: string[], d: number, dimsOverride?: number[]): SessionRunner & { calls: TensorMap[] } {
  const calls: TensorMap[] = [];
  return {
    inputNames: inputs,
    outputNames: outputs,
    calls,
    async run(feeds) {
      calls.push(feeds);
      const ids = feeds[inputs.find((n) => n !== 'attention_mask')!];
      const S = ids.dims[1];
      const data = new Float32Array(S * d);
      for (let s = 0; s < S; s++) for (let i = 0; i < d; i++) data[s * d + i] = Number(ids.data[s]) + i / 1000;
      return { [outputs[0]]: float32(data, dimsOverride ?? [1, S, d]) };
    },
    async release() {},
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StudioError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('T5Encoder over an injected session', () => {
  it('feeds input_ids and attention_mask by name, as int64 [1,S]', async () => {
    const s = fakeSession(['attention_mask', 'input_ids'], ['last_hidden_state', 'extra'], 4);
    const enc = new T5Encoder(s, 4);
    const c = await enc.encode([5, 9, 1]);
    expect(c.dims).toEqual({ s: 3, d: 4 });
    expect(Array.from(c.mask)).toEqual([1, 1, 1]);
    expect(c.states[4]).toBeCloseTo(9);
    expect(s.calls[0].input_ids).toMatchObject({ type: 'int64', dims: [1, 3] });
    expect(Array.from(s.calls[0].input_ids.data as BigInt64Array)).toEqual([5n, 9n, 1n]);
    expect(Array.from(s.calls[0].attention_mask.data as BigInt64Array)).toEqual([1n, 1n, 1n]);
  });

  it('accepts single-input/single-output graphs under other names; rejects unexpected inputs', async () => {
    const s = fakeSession(['ids'], ['hidden'], 2);
    expect((await new T5Encoder(s, 2).encode([3, 1])).dims).toEqual({ s: 2, d: 2 });
    expect(s.calls[0]).not.toHaveProperty('attention_mask');
    expect(() => new T5Encoder(fakeSession(['input_ids', 'attention_mask', 'token_type_ids'], ['last_hidden_state'], 2), 2))
      .toThrow(/unexpected inputs: token_type_ids/);
    expect(() => new T5Encoder(fakeSession(['input_ids'], ['a', 'b'], 2), 2)).toThrow(StudioError);
  });

  it('checks the output shape against the manifest hidden size', async () => {
    expect(await codeOf(new T5Encoder(fakeSession(['input_ids'], ['last_hidden_state'], 4), 8).encode([1]))).toBe('MODEL_INTERFACE');
    expect(await codeOf(new T5Encoder(fakeSession(['input_ids'], ['last_hidden_state'], 4, [4]), 4).encode([1]))).toBe('MODEL_INTERFACE');
    expect(await codeOf(new T5Encoder(fakeSession(['input_ids'], ['last_hidden_state'], 4), 4).encode([1.5]))).toBe('INTERNAL');
  });

  it('returns the null condition for [] without running the graph', async () => {
    const s = fakeSession(['input_ids', 'attention_mask'], ['last_hidden_state'], 6);
    const c = await new T5Encoder(s, 6).encode([]);
    expect(c).toEqual(nullCondition(6));
    expect(c.dims).toEqual({ s: 1, d: 6 });
    expect(c.states.every((v) => v === 0) && c.mask[0] === 0).toBe(true);
    expect(s.calls).toHaveLength(0);
    const padded = padCondition(await new T5Encoder(s, 6).encode([4, 1]), 5);
    expect(Array.from(padded.mask)).toEqual([1, 1, 0, 0, 0]);
    expect(padded.states.subarray(12).every((v) => v === 0)).toBe(true);
  });

  it('caches per token sequence, returns copies, and evicts least recently used', async () => {
    const s = fakeSession(['input_ids', 'attention_mask'], ['last_hidden_state'], 2);
    const enc = new T5Encoder(s, 2, 2);
    const a1 = await enc.encode([7, 1]);
    a1.states.fill(-1); // callers may mutate their copy
    const [a2, a3] = await Promise.all([enc.encode([7, 1]), enc.encode([7, 1])]);
    expect(s.calls).toHaveLength(1);
    expect(a2.states[0]).toBe(7);
    expect(a3.states).not.toBe(a2.states);
    await enc.encode([8, 1]);
    await enc.encode([7, 1]); // touch: [8,1] is now least recently used
    await enc.encode([9, 1]); // evicts [8,1]
    expect(s.calls).toHaveLength(3);
    await enc.encode([7, 1]);
    expect(s.calls).toHaveLength(3);
    await enc.encode([8, 1]);
    expect(s.calls).toHaveLength(4);
    expect(enc.cached).toBe(2);
  });

  it('does not cache failures', async () => {
    let fail = true;
    const base = fakeSession(['input_ids'], ['last_hidden_state'], 2);
    const s: SessionRunner = { ...base, run: (f) => (fail ? Promise.reject(new Error('boom')) : base.run(f)) };
    const enc = new T5Encoder(s, 2);
    await expect(enc.encode([3, 1])).rejects.toThrow('boom');
    fail = false;
    expect((await enc.encode([3, 1])).states[0]).toBe(3);
  });

  it('honours an aborted signal', async () => {
    const enc = new T5Encoder(fakeSession(['input_ids'], ['last_hidden_state'], 2), 2);
    const ac = new AbortController();
    ac.abort();
    await expect(enc.encode([3, 1], { signal: ac.signal })).rejects.toThrow();
  });
});

describe('PromptCache', () => {
  it('is an LRU of the given capacity', () => {
    const c = new PromptCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
    const none = new PromptCache<number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
  });
});

describe('tokenizer + bundled encoder over onnxruntime-node', () => {
  it('encodes prompts end to end, reading names from the real session', async () => {
    const tok = loadTokenizer(buildStudioTokenizer());
    const { bytes } = buildTextEncoder(tok.vocabSize);
    const enc = new T5Encoder(await createNodeOrtSession(bytes), STUDIO_T5.dModel);
    const p = await encodePrompt(tok, enc, 'Slow piano melody in D minor');
    expect(p.ids).toHaveLength(7);
    expect(p.dims).toEqual({ s: 7, d: STUDIO_T5.dModel });
    expect(p.truncated).toBe(false);
    const again = await encodePrompt(tok, enc, 'slow   piano melody in d minor');
    expect(again.states).toEqual(p.states);
    expect(enc.cached).toBe(1);
    expect((await encodePrompt(tok, enc, '  ')).dims).toEqual({ s: 1, d: STUDIO_T5.dModel });
    await enc.release();
  });
});
