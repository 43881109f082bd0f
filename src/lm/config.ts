/**
 * Hyper-parameters of the MusicGen decoder LM. Pack manifests carry an `LmConfig` as plain JSON
 * (`parseLmConfig`); Hugging Face checkpoints carry a `MusicgenDecoderConfig` (`fromHfConfig`).
 */
import { StudioError } from '../errors/StudioError';

export interface LmConfig {
  /** Residual width d_model (small 1024, medium 1536, large 2048). */
  dim: number;
  /** Transformer blocks (small 24, medium/large 48). */
  layers: number;
  /** Attention heads; head_dim = dim / heads is 64 in every released checkpoint. */
  heads: number;
  /** Width of the FFN hidden layer (fc1 out / fc2 in), 4 * dim in MusicGen. */
  ffn: number;
  /** K: EnCodec codebooks; K embeddings are summed at the input and K heads read the output. */
  codebooks: number;
  /** Codebook size (2048). Token id `card` is the special / BOS / pad token, so embeddings have card + 1 rows. */
  card: number;
  /** Hidden size of the text encoder (t5-base: 768): the input width of enc_to_dec_proj. */
  textDim: number;
  /** Length of the sinusoidal position table (HF max_position_embeddings, 2048): bounds prefix + sequence length. */
  maxPositions: number;
  /** 'cross': text reaches every block by cross-attention (musicgen-small/medium/large).
   *  'prefix': chroma and text are prepended to the sequence, no cross-attention (musicgen-melody). */
  conditioning: 'cross' | 'prefix';
  /** Prefix mode: width of the one-hot chroma frames fed to audio_enc_to_dec_proj (12); 0 in cross mode. */
  chromaBins: number;
  /** Prefix mode: chroma frames in the prefix (HF chroma_length; melody.ts: 235 when absent). */
  chromaLength?: number;
  /** Dropout probability for training (audiocraft trained with 0; HF configs default to 0.1). Inference ignores it. */
  dropout: number;
  /** How padded text positions are treated: 'hf' excludes them as attention keys (Hugging Face, the ONNX graph);
   *  'audiocraft' only zeroes them, so they still take attention weight. Identical without padding. */
  textMasking: 'hf' | 'audiocraft';
  /** The bundled LM's beat clock (beatClock.ts: a `beat_proj` weight, not in MusicGen); false for real MusicGen packs. */
  beatClock: boolean;
  /** The bundled LM's key input (beatClock.ts: a `key_proj` weight, not in MusicGen); false for real MusicGen packs. */
  keyChannel: boolean;
}

/** Layer-norm epsilon of every MusicGen checkpoint (torch nn.LayerNorm default). */
export const LN_EPS = 1e-5;

const POSITIVE_INTS = ['dim', 'layers', 'heads', 'ffn', 'codebooks', 'card', 'textDim', 'maxPositions'] as const;

function invalid(detail: string): never {
  throw new StudioError('MANIFEST_INVALID', `LM config: ${detail}`);
}

/** Validate a plain object (from a pack manifest) as an LmConfig; optional fields get defaults. */
export function parseLmConfig(raw: unknown): LmConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('not an object');
  const o = raw as Record<string, unknown>;
  for (const key of POSITIVE_INTS) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) invalid(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  const conditioning = o.conditioning ?? 'cross';
  if (conditioning !== 'cross' && conditioning !== 'prefix') invalid(`conditioning must be 'cross' or 'prefix', got ${JSON.stringify(conditioning)}`);
  const chromaBins = o.chromaBins ?? (conditioning === 'prefix' ? 12 : 0);
  if (typeof chromaBins !== 'number' || !Number.isInteger(chromaBins) || chromaBins < 0) invalid('chromaBins must be an integer >= 0');
  if (conditioning === 'prefix' && chromaBins < 1) invalid('prefix conditioning needs chromaBins >= 1');
  const chromaLength = o.chromaLength;
  if (chromaLength !== undefined && (typeof chromaLength !== 'number' || !Number.isInteger(chromaLength) || chromaLength < 1)) invalid('chromaLength must be a positive integer');
  const dropout = o.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) invalid('dropout must be in [0, 1)');
  const textMasking = o.textMasking ?? 'hf';
  if (textMasking !== 'hf' && textMasking !== 'audiocraft') invalid(`textMasking must be 'hf' or 'audiocraft'`);
  const beatClock = o.beatClock ?? false;
  if (typeof beatClock !== 'boolean') invalid('beatClock must be true or false');
  const keyChannel = o.keyChannel ?? false;
  if (typeof keyChannel !== 'boolean') invalid('keyChannel must be true or false');
  const cfg = {
    dim: o.dim as number,
    layers: o.layers as number,
    heads: o.heads as number,
    ffn: o.ffn as number,
    codebooks: o.codebooks as number,
    card: o.card as number,
    textDim: o.textDim as number,
    maxPositions: o.maxPositions as number,
    conditioning,
    chromaBins,
    ...(chromaLength !== undefined ? { chromaLength } : {}),
    dropout,
    textMasking,
    beatClock,
    keyChannel,
  } satisfies LmConfig;
  if (cfg.dim % cfg.heads !== 0) invalid(`dim ${cfg.dim} is not divisible by heads ${cfg.heads}`);
  if (cfg.dim % 2 !== 0 || cfg.dim < 4) invalid(`dim ${cfg.dim} must be even and >= 4 (sinusoidal positions)`);
  return cfg;
}

/**
 * Read a Hugging Face MusicgenDecoderConfig (or a full MusicgenConfig / MusicgenMelodyConfig that
 * holds one under `decoder`). textDim comes from `text_encoder.d_model` / `text_encoder_hidden_size`
 * when present, else t5-base's 768. HF's num_attention_heads is read, never assumed (musicgen.md §1.1).
 */
export function fromHfConfig(hf: unknown, overrides: Partial<LmConfig> = {}): LmConfig {
  if (typeof hf !== 'object' || hf === null) invalid('Hugging Face config is not an object');
  const top = hf as Record<string, unknown>;
  const dec = (typeof top.decoder === 'object' && top.decoder !== null ? top.decoder : top) as Record<string, unknown>;
  const textEncoder = top.text_encoder as Record<string, unknown> | undefined;
  const melody = String(top.model_type ?? '').includes('melody') || typeof top.num_chroma === 'number';
  return parseLmConfig({
    dim: dec.hidden_size,
    layers: dec.num_hidden_layers,
    heads: dec.num_attention_heads,
    ffn: dec.ffn_dim,
    codebooks: dec.num_codebooks,
    card: dec.vocab_size,
    textDim: textEncoder?.d_model ?? dec.text_encoder_hidden_size ?? top.text_encoder_hidden_size ?? 768,
    maxPositions: dec.max_position_embeddings,
    conditioning: melody ? 'prefix' : 'cross',
    chromaBins: melody ? (top.num_chroma ?? 12) : 0,
    ...(melody && typeof top.chroma_length === 'number' ? { chromaLength: top.chroma_length } : {}),
    dropout: dec.dropout ?? 0,
    ...overrides,
  });
}

/** Per-head width. */
export function headDim(cfg: LmConfig): number {
  return cfg.dim / cfg.heads;
}
