/**
 * The pretraining corpus as codes: pieces from src/corpus rendered at the codec's rate, tokenized
 * by the bundled codec, with their facts and training captions. Cached on disk (the corpus is
 * deterministic from its seeds and the codec's bytes, both part of the cache key).
 *
 * File layout: u32 little-endian header length, the JSON header, then every piece's codes
 * ([K, frames] int32, in header order).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { captionsFor, generatePiece, renderPiece, type PieceFacts } from '../../src/corpus/index.ts';
import { pitchClassOf } from '../../src/corpus/theory.ts';
import type { StudioTools } from './studioPack.ts';

export interface CorpusPiece {
  facts: PieceFacts;
  captions: string[];
  frames: number;
  codes: Int32Array; // [K, frames]
}

export interface CorpusOptions {
  firstSeed: number;
  pieces: number;
  seconds: number;
  captionsPerPiece: number;
  cacheDir: string;
  log: (m: string) => void;
  /** Minimal pairs for the mode: each seed's piece rendered in its tonic's major and minor (same tempo, parts and melody degrees); `pieces` counts both. */
  modePairs?: boolean;
}

export async function corpusCodes(tools: StudioTools, o: CorpusOptions): Promise<CorpusPiece[]> {
  const codecId = createHash('sha256').update(tools.manifest.files[tools.manifest.codec.encoder].sha256 ?? '').digest('hex').slice(0, 8);
  const file = `${o.cacheDir}/corpus-${o.firstSeed}-${o.pieces}x${o.seconds}s-c${o.captionsPerPiece}${o.modePairs ? '-pairs' : ''}-${codecId}.bin`;
  if (existsSync(file)) {
    const pieces = readCorpus(new Uint8Array(readFileSync(file)));
    o.log(`corpus: ${pieces.length} pieces from ${file}`);
    return pieces;
  }
  const K = tools.manifest.codec.codebooks;
  const pieces: CorpusPiece[] = [];
  const t0 = Date.now();
  for (let i = 0; i < o.pieces; i++) {
    const seed = o.firstSeed + (o.modePairs ? i >> 1 : i);
    const key = o.modePairs ? { tonic: pitchClassOf(generatePiece({ seed, seconds: 1 }).facts.tonic), mode: i % 2 ? 'minor' as const : 'major' as const } : undefined;
    const piece = generatePiece({ seed, seconds: o.seconds, avoidHeldOut: true, ...(key ? { key } : {}) });
    const pcm = renderPiece(piece, tools.manifest.codec.sampleRate);
    const { codes, k, t } = await tools.codec.encode(pcm);
    if (k !== K) throw new Error(`codec gave ${k} codebooks, manifest says ${K}`);
    pieces.push({ facts: piece.facts, captions: captionsFor(piece.facts, { count: o.captionsPerPiece }), frames: t, codes });
    if ((i + 1) % 100 === 0) o.log(`corpus: ${i + 1}/${o.pieces} pieces (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  mkdirSync(o.cacheDir, { recursive: true });
  writeFileSync(file, writeCorpus(pieces));
  o.log(`corpus: wrote ${file}`);
  return pieces;
}

function writeCorpus(pieces: CorpusPiece[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(pieces.map(({ facts, captions, frames, codes }) => ({ facts, captions, frames, length: codes.length }))));
  const total = pieces.reduce((s, p) => s + p.codes.length, 0);
  const out = new Uint8Array(4 + header.length + 4 * total + 4); // +4: room to 4-align the codes
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  new DataView(out.buffer).setUint32(0, header.length + pad, true);
  out.set(header, 4);
  out.fill(0x20, 4 + header.length, 4 + header.length + pad); // JSON may end in spaces
  let at = 4 + header.length + pad;
  for (const p of pieces) {
    out.set(new Uint8Array(p.codes.buffer, p.codes.byteOffset, p.codes.byteLength), at);
    at += p.codes.byteLength;
  }
  return out.subarray(0, at);
}

function readCorpus(bytes: Uint8Array): CorpusPiece[] {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as Array<Omit<CorpusPiece, 'codes'> & { length: number }>;
  let at = 4 + len;
  return header.map(({ length, ...rest }) => {
    const codes = new Int32Array(bytes.slice(at, at + 4 * length).buffer);
    at += 4 * length;
    return { ...rest, codes };
  });
}
