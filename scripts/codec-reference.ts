/**
 * The codec's chroma bar in context: the same agreement measure (scripts/pack/evalCodec.ts) on the
 * fixtures after Opus, a waveform codec, at several bitrates. Needs opus-tools (`opusenc`,
 * `opusdec`; Debian: apt-get install opus-tools); not part of the tests or the bench.
 *
 *   npx tsx scripts/codec-reference.ts   -> bench-results/codec-reference.md
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../src/audio/wav.ts';
import { resample } from '../src/audio/resample.ts';
import { chromaAgreement, fixtureAt } from './pack/evalCodec.ts';
import { fixtureNames, fixturePath } from './pack/fixtures.ts';

const RATE = 32000; // the bundled codec's rate: the fixtures are scored there, as in the bench
const KBPS = [6, 8, 12, 16, 24];

function opusRoundTrip(flac: string, kbps: number, dir: string): Float32Array {
  const opus = join(dir, 'x.opus');
  const wav = join(dir, 'x.wav');
  execFileSync('opusenc', ['--quiet', '--music', '--bitrate', String(kbps), flac, opus]);
  execFileSync('opusdec', ['--quiet', '--rate', '48000', opus, wav]);
  const w = decodeWav(new Uint8Array(readFileSync(wav)));
  return resample(w.channels[0], w.sampleRate, RATE);
}

const version = execFileSync('opusenc', ['--version']).toString().split('\n')[0];
const dir = mkdtempSync(join(tmpdir(), 'opus-'));
const lines = [
  '# Chroma agreement after Opus (reference for the bundled codec)',
  '',
  `${version}, \`--music\`, decoded at 48 kHz, scored at 32 kHz like bench-results/codec.md.`,
  'The bundled codec spends 4 x 11 bits x 50 Hz = 2.2 kbps.',
  '',
  `| fixture | ${KBPS.map((k) => `Opus ${k} kbps`).join(' | ')} |`,
  `|---|${KBPS.map(() => '---').join('|')}|`,
];
for (const name of fixtureNames()) {
  const x = await fixtureAt(name, RATE);
  const cells = KBPS.map((k) => `${(100 * chromaAgreement(x, opusRoundTrip(fixturePath(name), k, dir), RATE)).toFixed(1)}%`);
  lines.push(`| ${name} | ${cells.join(' | ')} |`);
}
rmSync(dir, { recursive: true });
writeFileSync('bench-results/codec-reference.md', lines.join('\n') + '\n');
console.log(lines.join('\n'));
