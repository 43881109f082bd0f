import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../lm/safetensors';
import { toHalf } from '../util/half';
import { mulberry32 } from '../util/rng';
import { coalesce, fetchTensors, parseHeader, readRemoteHeader, selectByPrefix, type TensorEntry } from './safetensorsRange';
import { fakeServer } from './testServer';

const URL_ = 'http://hub.test/org/repo/resolve/main/model.safetensors';
const PATH = '/org/repo/resolve/main/model.safetensors';
const noSleep = async () => {};

function tensors(seed: number): Map<string, NamedTensor> {
  const rand = mulberry32(seed);
  const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2) });
  return new Map([
    ['audio_encoder.quantizer.layers.0.codebook.embed', t([64, 16])],
    ['decoder.model.decoder.embed_tokens.0.weight', t([33, 8])],
    ['decoder.model.decoder.layers.0.fc1.weight', t([32, 8])],
    ['decoder.lm_heads.0.weight', t([32, 8])],
    ['enc_to_dec_proj.bias', t([8])],
    ['enc_to_dec_proj.weight', t([8, 5])],
    ['text_encoder.shared.weight', t([100, 12])],
  ]);
}

/** A file with a BF16 tensor (our writer does F32/F16 only): header by hand. */
function bf16File(values: number[]): Uint8Array {
  const header = JSON.stringify({ 'x.bf16': { dtype: 'BF16', shape: [values.length], data_offsets: [0, 2 * values.length] } });
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + 2 * values.length);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  values.forEach((v, i) => { f[0] = v; dv.setUint16(8 + json.length + 2 * i, u[0] >>> 16, true); });
  return out;
}

const WANT = ['decoder.', 'enc_to_dec_proj.'];

async function readSelected(bytes: Uint8Array, opts: Parameters<typeof fakeServer>[1] = {}, fetchOpts: Parameters<typeof fetchTensors>[4] = {}) {
  const server = fakeServer(new Map([[PATH, bytes]]), opts);
  const header = await readRemoteHeader(server.fetch, URL_, { sleep: noSleep });
  const wanted = selectByPrefix(header.entries, WANT);
  const notices: StudioError[] = [];
  const got = await fetchTensors(server.fetch, URL_, wanted, 'model.safetensors', { sleep: noSleep, onNotice: (e) => notices.push(e), ...fetchOpts });
  return { server, header, wanted, got, notices };
}

describe('parseHeader', () => {
  const file = writeSafetensors(tensors(1));
  const headerOf = (b: Uint8Array) => b.subarray(0, 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)));

  it('lists every tensor with absolute offsets, sorted', () => {
    const h = parseHeader(headerOf(file), file.length);
    expect(h.entries.map((e) => e.name)).toEqual([...tensors(1).keys()].sort());
    const local = readSafetensors(file).tensors;
    for (const e of h.entries) {
      const v = new Float32Array(file.slice(e.start, e.end).buffer);
      expect(v).toEqual(local.get(e.name)!.data);
    }
  });

  const edit = (mutate: (h: Record<string, { data_offsets: number[]; shape: number[]; dtype: string }>) => void) => {
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    const h = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    mutate(h);
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const bad: [string, () => Uint8Array, number | null, RegExp][] = [
    ['too short', () => file.subarray(0, 5), null, /shorter than the 8-byte/],
    ['absurd header length', () => { const b = file.slice(0, 16); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; }, null, /not plausible/],
    ['header longer than the file', () => headerOf(file), 100, /does not fit/],
    ['not JSON', () => { const b = headerOf(file).slice(); b[9] = 0x7b; b[10] = 0x7b; return b; }, null, /not valid JSON/],
    ['bytes that do not match the shape', () => edit((h) => { h['enc_to_dec_proj.bias'].shape = [9]; }), null, /enc_to_dec_proj\.bias has 32 bytes for 9 F32/],
    ['overlapping tensors', () => edit((h) => { h['enc_to_dec_proj.bias'].data_offsets = h['decoder.lm_heads.0.weight'].data_offsets.map((o, i) => (i === 0 ? o : o - 992)); }), null, /overlap/],
    ['a tensor beyond the end of the file', () => headerOf(file), 2000, /beyond the|does not fit/],
    ['negative offsets', () => edit((h) => { h['enc_to_dec_proj.bias'].data_offsets = [-4, 28]; }), null, /bad data_offsets/],
  ];
  it.each(bad)('refuses %s with WEIGHTS_INVALID', (_, make, size, msg) => {
    let err: unknown;
    try { parseHeader(make(), size); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'WEIGHTS_INVALID' });
    expect((err as Error).message).toMatch(msg);
  });
});

describe('coalesce', () => {
  const e = (name: string, start: number, end: number): TensorEntry => ({ name, dtype: 'F32', shape: [(end - start) / 4], start, end });
  it('merges neighbours and small gaps, splits at large gaps', () => {
    const r = coalesce([e('c', 300, 400), e('a', 0, 100), e('b', 100, 200), e('d', 10_000, 10_004)], 100);
    expect(r.map((x) => [x.start, x.end, x.entries.map((y) => y.name).join('')])).toEqual([[0, 400, 'abc'], [10_000, 10_004, 'd']]);
  });
});

describe('fetchTensors over Range requests', () => {
  const file = writeSafetensors(tensors(2));
  const local = readSafetensors(file).tensors;
  const expectSelected = (got: Map<string, NamedTensor>) => {
    const names = [...local.keys()].filter((n) => WANT.some((p) => n.startsWith(p)));
    expect([...got.keys()].sort()).toEqual(names.sort());
    for (const n of names) expect(got.get(n)).toEqual(local.get(n));
  };

  it('reads the header in two small requests and only the wanted tensors after it', async () => {
    const { server, got, wanted, notices } = await readSelected(file);
    expectSelected(got);
    expect(notices).toEqual([]);
    const wantedBytes = wanted.reduce((s, e) => s + e.end - e.start, 0);
    const header = server.log.slice(0, 2);
    expect(header.map((l) => l.range)).toEqual(['bytes=0-7', expect.stringMatching(/^bytes=8-\d+$/)]);
    expect(server.log.slice(2).every((l) => l.status === 206)).toBe(true);
    expect(server.log.length).toBe(3); // the decoder.* and enc_to_dec_proj.* tensors sit together: one range
    expect(server.sent() - header.reduce((s, l) => s + l.sent, 0)).toBe(wantedBytes);
    expect(wantedBytes).toBeLessThan(file.length / 2);
  });

  it('widens F16 and BF16, whatever the chunking (odd chunks split values)', async () => {
    const f16 = writeSafetensors(tensors(3), {}, 'F16');
    for (const chunk of [1, 3, 7, 4096]) {
      const { got } = await readSelected(f16, { chunk });
      const ref = readSafetensors(f16).tensors;
      for (const [n, t] of got) expect(t).toEqual(ref.get(n));
    }
    const values = [1.5, -2.25, 3.140625, 0, -0.0078125];
    for (const chunk of [1, 3]) {
      const server = fakeServer(new Map([[PATH, bf16File(values)]]), { chunk });
      const h = await readRemoteHeader(server.fetch, URL_);
      const got = await fetchTensors(server.fetch, URL_, h.entries, 'x');
      expect(Array.from(got.get('x.bf16')!.data)).toEqual(values);
    }
    expect(toHalf(1)).toBe(0x3c00); // (the F16 path uses the shared half-float helpers)
  });

  it('resumes a broken connection from the byte where it stopped', async () => {
    const { server, got, wanted } = await readSelected(file, { chunk: 64, breakBody: { path: /safetensors/, afterBytes: 1000, times: 2 } });
    expectSelected(got);
    const data = server.log.slice(2);
    expect(data.length).toBe(3);
    const first = Number(/bytes=(\d+)-/.exec(data[0].range!)![1]);
    const resumed = data.slice(1).map((l) => Number(/bytes=(\d+)-/.exec(l.range!)![1]) - first);
    expect(resumed).toEqual([1000, 2000]); // no byte fetched twice
    expect(data.reduce((s, l) => s + l.sent, 0)).toBe(wanted.reduce((s, e) => s + e.end - e.start, 0));
  });

  it('gives up after the retries with MODEL_FETCH_FAILED', async () => {
    await expect(readSelected(file, { chunk: 64, breakBody: { path: /safetensors/, afterBytes: 100, times: 99 } }, { retries: 2 }))
      .rejects.toMatchObject({ code: 'MODEL_FETCH_FAILED', detail: expect.stringMatching(/connection broke/) });
  });

  it('copes with a server that ignores Range: streams and skips, and says so', async () => {
    const { got, notices, server } = await readSelected(file, { ignoreRange: true });
    expectSelected(got);
    expect(notices.map((n) => n.code)).toEqual(['RANGE_UNSUPPORTED']);
    const last = server.log.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.sent).toBeLessThan(file.length); // stopped after the last wanted tensor (text_encoder.* is not read)
  });

  it('copes with a hidden Content-Range header (cross-origin without exposed headers)', async () => {
    const { got } = await readSelected(file, { hideContentRange: true });
    expectSelected(got);
  });

  it('stops at once when aborted', async () => {
    const ctl = new AbortController();
    const server = fakeServer(new Map([[PATH, file]]), { chunk: 16 });
    const h = await readRemoteHeader(server.fetch, URL_);
    let seen = 0;
    const p = fetchTensors(server.fetch, URL_, selectByPrefix(h.entries, WANT), 'x', {
      signal: ctl.signal, onBytes: (n) => { seen = n; if (n > 200) ctl.abort(); },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBeLessThan(300);
  });

  it('hands each tensor over once, when complete, and counts progress up to the total', async () => {
    const order: string[] = [];
    const progress: [number, number][] = [];
    const { wanted, server } = await readSelected(file, { chunk: 50, breakBody: { path: /safetensors/, afterBytes: 1500, times: 1 } }, {
      onTensor: (n) => void order.push(n), onBytes: (l, t) => void progress.push([l, t]),
    });
    expect(server.log.length).toBe(4); // header (2), the range, its resumption
    expect(order).toEqual(wanted.map((e) => e.name));
    const total = wanted.reduce((s, e) => s + e.end - e.start, 0);
    expect(progress.every(([, t]) => t === total)).toBe(true);
    expect(progress.map(([l]) => l)).toEqual([...progress.map(([l]) => l)].sort((a, b) => a - b));
    expect(progress.at(-1)![0]).toBe(total);
  });

  it('refuses an integer tensor with WEIGHTS_MISMATCH before fetching it', async () => {
    const server = fakeServer(new Map([[PATH, file]]));
    const h = await readRemoteHeader(server.fetch, URL_);
    const fake = { ...h.entries[0], dtype: 'I64', shape: [h.entries[0].shape.reduce((a, b) => a * b, 1) / 2] };
    await expect(fetchTensors(server.fetch, URL_, [fake], 'x')).rejects.toMatchObject({ code: 'WEIGHTS_MISMATCH' });
  });
});
