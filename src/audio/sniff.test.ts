import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sniffAudio } from './sniff';
import { encodeWav16 } from './wav';

const bytesOf = (...parts: (number[] | Uint8Array | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : Array.from(p))));
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const le32 = (v: number) => be32(v).reverse();
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const zeros = (n: number) => new Array<number>(n).fill(0);

describe('sniffAudio: WAV and AIFF', () => {
  it('reads rate and channels from the WAV fmt chunk, and flags a cut data chunk', () => {
    const wav = encodeWav16(new Float32Array(1000), 22050);
    expect(sniffAudio(wav)).toEqual({ container: 'wav', sampleRate: 22050, channels: 1 });
    expect(sniffAudio(wav.subarray(0, 500))).toEqual({ container: 'wav', sampleRate: 22050, channels: 1, truncated: true });
    expect(sniffAudio(wav.subarray(0, 20))).toEqual({ container: 'wav' });
  });

  const aiff = (declaredSound: number, present: number) => {
    const rate44100 = [0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]; // 80-bit extended 44100
    const comm = bytesOf('COMM', be32(18), [0, 2], be32(10), [0, 16], rate44100);
    const ssnd = bytesOf('SSND', be32(declaredSound), zeros(8 + present));
    return bytesOf('FORM', be32(4 + comm.length + ssnd.length), 'AIFF', comm, ssnd);
  };
  it('reads the AIFF COMM chunk, 80-bit sample rate included', () => {
    expect(sniffAudio(aiff(48, 40))).toEqual({ container: 'aiff', sampleRate: 44100, channels: 2 });
    expect(sniffAudio(aiff(4000, 40))).toEqual({ container: 'aiff', sampleRate: 44100, channels: 2, truncated: true });
  });
});

describe('sniffAudio: FLAC and Ogg', () => {
  const streamInfo = (rate: number, channels: number, bps: number) => [
    ...[0x10, 0x00, 0x10, 0x00], // min/max block size 4096
    ...zeros(6), // min/max frame size
    rate >> 12,
    (rate >> 4) & 0xff,
    ((rate & 0xf) << 4) | ((channels - 1) << 1) | ((bps - 1) >> 4),
    ...zeros(21),
  ];
  it('reads FLAC STREAMINFO, also behind an ID3v2 tag', () => {
    const flac = bytesOf('fLaC', [0x80, 0, 0, 34], streamInfo(44100, 2, 16), zeros(64));
    expect(sniffAudio(flac)).toEqual({ container: 'flac', sampleRate: 44100, channels: 2 });
    const tagged = bytesOf('ID3', [3, 0, 0, 0, 0, 0, 5], zeros(5), flac);
    expect(sniffAudio(tagged)).toEqual({ container: 'flac', sampleRate: 44100, channels: 2 });
    const six = bytesOf('fLaC', [0x80, 0, 0, 34], streamInfo(96000, 6, 24), zeros(64));
    expect(sniffAudio(six)).toEqual({ container: 'flac', sampleRate: 96000, channels: 6 });
    // A metadata block (here a 4000-byte picture) that runs past the end of the file.
    const cut = bytesOf('fLaC', [0x00, 0, 0, 34], streamInfo(44100, 2, 16), [0x86, 0, 0x0f, 0xa0], zeros(100));
    expect(sniffAudio(cut)).toEqual({ container: 'flac', sampleRate: 44100, channels: 2, truncated: true });
  });

  const oggPage = (packet: Uint8Array, declared = packet.length) =>
    bytesOf('OggS', [0, 2], zeros(8), le32(1234), le32(0), le32(0), [1, declared], packet);
  it('reads the Vorbis identification header', () => {
    const vorbis = bytesOf([1], 'vorbis', le32(0), [2], le32(44100), zeros(12), [0xb8, 1]);
    expect(sniffAudio(oggPage(vorbis))).toEqual({ container: 'ogg', sampleRate: 44100, channels: 2 });
    expect(sniffAudio(oggPage(vorbis, 60))).toEqual({ container: 'ogg', sampleRate: 44100, channels: 2, truncated: true });
  });
  it('reports 48000 for Opus whatever input rate OpusHead records', () => {
    const opus = bytesOf('OpusHead', [1, 1], le16(312), le32(44100), [0, 0, 0]);
    expect(sniffAudio(oggPage(opus))).toEqual({ container: 'ogg', sampleRate: 48000, channels: 1 });
  });
  it('reads Ogg FLAC', () => {
    const oggFlac = bytesOf([0x7f], 'FLAC', [1, 0, 0, 1], 'fLaC', [0x80, 0, 0, 34], streamInfo(32000, 1, 16));
    expect(sniffAudio(oggPage(oggFlac))).toEqual({ container: 'ogg', sampleRate: 32000, channels: 1 });
  });
});

describe('sniffAudio: MPEG streams', () => {
  const frame = (header: number[], length: number) => [...header, ...zeros(length - header.length)];
  it('reads MPEG-1 layer III after an ID3v2 tag (with footer flag)', () => {
    const f = frame([0xff, 0xfb, 0x90, 0x00], 417); // 128 kbit/s, 44100, stereo
    const tag = bytesOf('ID3', [4, 0, 0x10, 0, 0, 0, 20], zeros(20), '3DI', zeros(7));
    expect(sniffAudio(bytesOf(tag, f, f))).toEqual({ container: 'mp3', sampleRate: 44100, channels: 2 });
    expect(sniffAudio(bytesOf(f, f, f))).toEqual({ container: 'mp3', sampleRate: 44100, channels: 2 });
  });
  it('uses the MPEG-2 and MPEG-2.5 rate tables and the mono channel mode', () => {
    const mpeg2 = frame([0xff, 0xf3, 0x80, 0xc0], 208); // 64 kbit/s, 22050, mono
    expect(sniffAudio(bytesOf(mpeg2, mpeg2))).toEqual({ container: 'mp3', sampleRate: 22050, channels: 1 });
    const mpeg25 = frame([0xff, 0xe3, 0x80, 0xc0], 417); // 64 kbit/s, 11025
    expect(sniffAudio(bytesOf(mpeg25, mpeg25))).toEqual({ container: 'mp3', sampleRate: 11025, channels: 1 });
  });
  it('does not take a lone sync word for MP3', () => {
    const f = frame([0xff, 0xfb, 0x90, 0x00], 417);
    expect(sniffAudio(bytesOf(f, 'this is not a frame header', zeros(500)))).toEqual({ container: 'unknown' });
    expect(sniffAudio(bytesOf([0xff, 0xfb, 0x90, 0x00], zeros(20)))).toEqual({ container: 'unknown' });
    expect(sniffAudio(bytesOf([0xff, 0xff, 0xff, 0xff], zeros(2000)))).toEqual({ container: 'unknown' });
  });
  it('finds a stream that starts after junk, but not in random bytes', () => {
    const f = frame([0xff, 0xfb, 0x90, 0x00], 417);
    expect(sniffAudio(bytesOf(zeros(1000), [0xff, 0xfb], f, f, f))).toEqual({ container: 'mp3', sampleRate: 44100, channels: 2 });
    let seed = 12345;
    const noise = new Uint8Array(100_000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    expect(sniffAudio(noise)).toEqual({ container: 'unknown' });
  });
  it('reads ADTS AAC', () => {
    const len = 100;
    const header = [0xff, 0xf1, 0x50, 0x80 | ((len >> 11) & 3), (len >> 3) & 0xff, ((len & 7) << 5) | 0x1f, 0xfc];
    const f = frame(header, len); // LC, 44100, 2 channels
    expect(sniffAudio(bytesOf(f, f))).toEqual({ container: 'aac', sampleRate: 44100, channels: 2 });
  });
});

describe('sniffAudio: MP4 and WebM', () => {
  const box = (type: string, ...body: (number[] | Uint8Array | string)[]) => {
    const inner = bytesOf(...body);
    return bytesOf(be32(8 + inner.length), type, inner);
  };
  const esds = (asc: number[]) => {
    const dsi = [5, asc.length, ...asc];
    const dcd = [4, 13 + dsi.length, 0x40, 0x15, ...zeros(11), ...dsi];
    const es = [3, 0x80, 0x80, 0x80, 3 + dcd.length, 0, 1, 0, ...dcd]; // 4-byte size form
    return box('esds', zeros(4), es);
  };
  const audioEntry = (type: string, channels: number, rate: number, ...children: Uint8Array[]) =>
    box(type, zeros(6), [0, 1], zeros(8), [0, channels, 0, 16, 0, 0, 0, 0], be32(rate * 65536), ...children);
  const track = (handler: string, timescale: number, entry: Uint8Array) =>
    box(
      'trak',
      box(
        'mdia',
        box('mdhd', zeros(12), be32(timescale), zeros(8)),
        box('hdlr', zeros(8), handler, zeros(12)),
        box('minf', box('stbl', box('stsd', zeros(4), be32(1), entry))),
      ),
    );
  const ftyp = box('ftyp', 'M4A ', zeros(4), 'isomM4A ');

  it('takes channels from the AudioSpecificConfig, not the mp4a template value', () => {
    const lcMono = audioEntry('mp4a', 2, 44100, esds([0x12, 0x08])); // LC, 44100, 1 channel
    const file = bytesOf(ftyp, box('moov', track('vide', 90000, box('avc1', zeros(70))), track('soun', 44100, lcMono)), box('mdat', zeros(16)));
    expect(sniffAudio(file)).toEqual({ container: 'mp4', sampleRate: 44100, channels: 1 });
  });
  it('reads the output rate of explicitly signalled HE-AAC', () => {
    const he = audioEntry('mp4a', 2, 24000, esds([0x2b, 0x11, 0x88, 0x00])); // SBR: core 24000, output 48000
    expect(sniffAudio(bytesOf(ftyp, box('moov', track('soun', 24000, he))))).toMatchObject({ sampleRate: 48000, channels: 2 });
  });
  it('falls back to the mdhd timescale and reports Opus at 48000', () => {
    const noRate = audioEntry('alac', 2, 0);
    expect(sniffAudio(bytesOf(ftyp, box('moov', track('soun', 88200, noRate))))).toEqual({ container: 'mp4', sampleRate: 88200, channels: 2 });
    const opus = audioEntry('Opus', 2, 44100);
    expect(sniffAudio(bytesOf(ftyp, box('moov', track('soun', 44100, opus))))).toMatchObject({ sampleRate: 48000 });
  });
  it('flags an mdat that runs past the end of the file', () => {
    const file = bytesOf(ftyp, box('moov', track('soun', 32000, audioEntry('mp4a', 1, 32000))), be32(100000), 'mdat', zeros(10));
    expect(sniffAudio(file)).toEqual({ container: 'mp4', sampleRate: 32000, channels: 1, truncated: true });
  });

  const el = (id: number[], body: number[] | Uint8Array) => bytesOf(id, [0x01, 0, 0, 0], be32(body.length), body);
  const f64 = (v: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    return b;
  };
  const webm = (codec: string, rate: number, channels: number, segmentSize?: number) => {
    const audio = el([0xe1], bytesOf(el([0xb5], f64(rate)), el([0x9f], [channels])));
    const video = el([0xae], bytesOf(el([0x83], [1]), el([0x86], bytesOf('V_VP8'))));
    const entry = el([0xae], bytesOf(el([0x83], [2]), el([0x86], bytesOf(codec)), audio));
    const tracks = el([0x16, 0x54, 0xae, 0x6b], bytesOf(video, entry));
    const cluster = bytesOf([0x1f, 0x43, 0xb6, 0x75], [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], zeros(30));
    const segBody = bytesOf(tracks, cluster);
    const size = segmentSize === undefined ? [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : [0x01, 0, 0, 0, ...be32(segmentSize)];
    return bytesOf(el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], bytesOf('webm'))), [0x18, 0x53, 0x80, 0x67], size, segBody);
  };
  it('walks EBML to the audio track, with unknown-size segments and clusters', () => {
    expect(sniffAudio(webm('A_VORBIS', 44100, 2))).toEqual({ container: 'webm', sampleRate: 44100, channels: 2 });
    expect(sniffAudio(webm('A_OPUS', 44100, 1))).toEqual({ container: 'webm', sampleRate: 48000, channels: 1 });
    expect(sniffAudio(webm('A_VORBIS', 22050, 1, 10_000_000))).toEqual({ container: 'webm', sampleRate: 22050, channels: 1, truncated: true });
  });
});

describe('sniffAudio: unknown input', () => {
  it('does not recognise text, images or empty input', () => {
    expect(sniffAudio(new Uint8Array(0))).toEqual({ container: 'unknown' });
    expect(sniffAudio(bytesOf('hello, this is a text file that someone dropped'))).toEqual({ container: 'unknown' });
    expect(sniffAudio(bytesOf([0x89], 'PNG', [13, 10, 26, 10], zeros(100)))).toEqual({ container: 'unknown' });
    expect(sniffAudio(bytesOf('RIFF', le32(100), 'AVI ', zeros(100)))).toEqual({ container: 'unknown' });
  });
});

describe('sniffAudio on files written by real encoders', () => {
  const dir = join(__dirname, 'testdata');
  // Written by ffmpeg 5.1 (see testdata/README.md); the expected values are ffprobe's (0.2 s long where the container says).
  const expected: Record<string, object> = {
    'tiny11k_stereo.aiff': { container: 'aiff', sampleRate: 11025, channels: 2 },
    'tiny22k_mono.aac': { container: 'aac', sampleRate: 22050, channels: 1 },
    'tiny22k_mono.ogg': { container: 'ogg', sampleRate: 22050, channels: 1, seconds: 0.2 },
    'tiny22k_moovlast.m4a': { container: 'mp4', sampleRate: 22050, channels: 1, seconds: 0.2 },
    'tiny22k_stereo.m4a': { container: 'mp4', sampleRate: 22050, channels: 2, seconds: 0.2 },
    'tiny22k_stereo.mp3': { container: 'mp3', sampleRate: 22050, channels: 2 },
    'tiny_stereo.opus': { container: 'ogg', sampleRate: 48000, channels: 2, seconds: 0.2 },
    'tiny_stereo.webm': { container: 'webm', sampleRate: 48000, channels: 2 },
    'sweep44k.wav': { container: 'wav', sampleRate: 44100, channels: 1 },
  };
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => {
      const b = new Uint8Array(readFileSync(join(dir, name)));
      expect(sniffAudio(b)).toEqual(want);
    });
  }
  it('flags the cut copies of containers that declare their sizes', () => {
    for (const name of ['tiny11k_stereo.aiff', 'tiny22k_mono.ogg', 'tiny22k_stereo.m4a', 'tiny_stereo.webm', 'sweep44k.wav']) {
      const b = new Uint8Array(readFileSync(join(dir, name)));
      expect(sniffAudio(b.subarray(0, Math.floor(b.length * 0.6))), name).toMatchObject({ truncated: true });
    }
  });

  const shared = join(__dirname, '..', '..', 'e2e', 'fixtures');
  const flacs = existsSync(shared) ? readdirSync(shared).filter((f) => f.endsWith('.flac')) : [];
  it.skipIf(flacs.length === 0)('reads the shared FLAC fixtures as 24 kHz mono', () => {
    for (const f of flacs) {
      expect(sniffAudio(new Uint8Array(readFileSync(join(shared, f)))), f).toEqual({ container: 'flac', sampleRate: 24000, channels: 1 });
    }
  });
});
