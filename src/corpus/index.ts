/** The procedural music corpus: theory, piece generator, synthesizer, captions, held-out split. Pure TS, seeded. */
export { captionFrom, captionsFor, CAPTION_TEMPLATES, type CaptionOptions, type CaptionTemplate } from './captions';
export { generatePiece, instrumentsOf, MAX_BPM, MIN_BPM, type PieceOptions } from './piece';
export { heldOutBand, isHeldOutCombination, tempoBand } from './split';
export { CORPUS_SAMPLE_RATE, renderPiece, TARGET_PEAK } from './synth/render';
export { ALL_KEYS, keyName, pitchClassOf, tonicName, type Key, type Mode } from './theory';
export type { Density, DrumEvent, NoteEvent, Parts, Piece, PieceFacts, PitchedTimbre, Timbre } from './types';
