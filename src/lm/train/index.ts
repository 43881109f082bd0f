/** In-browser fine-tuning of the LM: AdamW, lr schedule, clipping, crops/batches, one step, the loop, checkpoints. */
export { AdamW, decayMatricesOnly, type AdamWOptions, type AdamWState } from './adamw';
export { lrAt, type ScheduleOptions } from './schedule';
export { clipByGlobalNorm, type Clipped } from './clip';
export { checkClips, CropSampler, disposeBatch, dropCondition, makeBatch, splitData, type Batch, type BatchShape, type Crop, type DataSplit, type TextStates, type TrainClip } from './batches';
export { batchLoss, evalLoss, trainStep, type StepResult } from './trainStep';
export { DEFAULT_LORA_LR, DEFAULT_TRAIN_OPTIONS, resolveOptions, type TrainOptions } from './options';
export { exploded, train, Trainer, type TrainCallbacks, type TrainResult, type TrainStepInfo } from './trainer';
export { applyCheckpoint, CHECKPOINT_VERSION, loraFromCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint, type DataManifest, type Trainable } from './checkpoint';
