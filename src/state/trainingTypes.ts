import type { LoraGroup } from '../lm/loraTargets';
import type { ModelList, Progress, TrainMethod, TrainSummary } from '../workers/protocol';
import type { ErrorInfo } from './types';

/** The Train panel's settings as the user sees them (crop in seconds; the store converts to frames). */
export interface TrainSettings {
  /** Name for the saved model; '' = a default name. */
  name: string;
  /** 'full': every weight; 'lora': low-rank adapters on the pack's own weights. */
  method: TrainMethod;
  /** LoRA rank. */
  loraRank: number;
  /** LoRA alpha (the update is scaled by alpha / rank); null = twice the rank, the default ratio, until the user sets one. */
  loraAlpha: number | null;
  /** The parts of the model that get adapters; null = the defaults (every group the model has). */
  loraGroups: LoraGroup[] | null;
  /** LoRA dropout on the adapters' input while training (PEFT's lora_dropout); 0 = off. */
  loraDropout: number;
  steps: number;
  /** Peak lr; null = the model's default for the method (LmInfo.trainLr) until the user sets one. */
  lr: number | null;
  cropSeconds: number;
  batchSize: number;
  condDropout: number;
}

export type TrainProgress = NonNullable<Progress['training']>;

/** One logged step: [step, train loss, validation loss or null] (the engine's history format). */
export type TrainPoint = [number, number, number | null];

export interface TrainingState {
  running: boolean;
  paused: boolean;
  /** Stop was pressed; the engine finishes the current step and saves. */
  stopping: boolean;
  progress?: TrainProgress;
  /** Points of the current (or latest) run, in step order. */
  history: TrainPoint[];
  summary?: TrainSummary;
  error?: ErrorInfo;
  /** Something to know about the result (e.g. it could not be saved). */
  notice?: string;
}

export type SavedModel = ModelList['models'][number];

export interface ModelsState {
  list: SavedModel[];
  /** The saved model in use according to the engine (null = the pack's own weights). */
  active: string | null;
  /** A switch, rename, delete, import or export is in flight. */
  busy: boolean;
  error?: ErrorInfo;
  notice?: string;
}

export interface TrainingSlice {
  /** Caption per clip id ('' or missing = unconditional). */
  captions: Record<string, string>;
  trainSettings: TrainSettings;
  training: TrainingState;
  setCaption(clipId: string, text: string): void;
  setTrainSettings(patch: Partial<TrainSettings>): void;
  /** Fine-tunes on every ready clip with its caption; resolves when done, stopped or failed. */
  train(): Promise<void>;
  /** Continues the stopped run of the model in use from its checkpoint (see `resumeInfo`). */
  resumeTraining(): Promise<void>;
  /** Graceful stop: the current step ends and a final checkpoint is saved. */
  stopTraining(): void;
  setTrainingPaused(paused: boolean): Promise<void>;
  dismissTrainingError(): void;
}

export interface ModelsSlice {
  models: ModelsState;
  /** Reloads the saved-model list from the engine (browser storage). */
  refreshModels(): Promise<void>;
  /** Switches the LM (null = the pack's own weights). */
  selectModel(id: string | null): Promise<void>;
  renameModel(id: string, name: string): Promise<void>;
  deleteModel(id: string): Promise<void>;
  /** The LM in use as .safetensors, or null when it failed (the error is in models.error). */
  exportWeights(): Promise<{ bytes: Uint8Array; fileName: string } | null>;
  /** One weights file, or an adapter trained with Hugging Face PEFT: adapter_model.safetensors with its adapter_config.json. */
  importWeights(files: (Blob & { name: string }) | (Blob & { name: string })[]): Promise<void>;
  dismissModelError(): void;
}
