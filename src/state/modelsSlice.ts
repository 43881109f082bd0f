import { StudioError } from '../errors/StudioError';
import { parseHeader } from '../packs/safetensorsRange';
import { savedNameOf } from '../runtime/modelStore';
import type { LmInfo, ModelList } from '../workers/protocol';
import type { SliceContext } from './context';
import { toErrorInfo } from './errors';
import type { ModelsSlice } from './trainingTypes';
import type { StudioState } from './types';

/** What the engine calls the pack's own LM weights. */
export const PACK_MODEL_NAME = 'Pack model';

type NamedBlob = Blob & { name: string };

/** Files the import takes: weights as .safetensors, a PEFT adapter's adapter_config.json beside them. */
export const isWeightsFile = (name: string): boolean => /\.(safetensors|json)$/i.test(name);

/**
 * The weights file and the optional adapter_config.json of one import (the user picks or drops
 * both at once for an adapter trained with Hugging Face PEFT). Throws StudioError otherwise.
 */
export function pickWeightFiles<F extends NamedBlob>(files: F[]): { weights: F; config?: F } {
  const weights = files.filter((f) => /\.safetensors$/i.test(f.name));
  const configs = files.filter((f) => /\.json$/i.test(f.name));
  if (weights.length === 0) {
    if (configs.length) throw new StudioError('ADAPTER_INVALID', 'PEFT adapter: select adapter_model.safetensors together with adapter_config.json (both files at once)');
    const names = files.map((f) => f.name).join(', ') || 'That';
    throw new StudioError('WEIGHTS_INVALID', `${names} is not a weights file: pick a .safetensors file exported from the studio, or a PEFT adapter's adapter_model.safetensors with its adapter_config.json.`);
  }
  if (weights.length > 1 || configs.length > 1) {
    throw new StudioError('WEIGHTS_INVALID', 'import one .safetensors file at a time (with its adapter_config.json for a PEFT adapter)');
  }
  return { weights: weights[0], config: configs[0] };
}

/** The name the studio wrote into a weights file it exported (safetensors `__metadata__.name`), if any. */
export function exportedName(bytes: Uint8Array): string | null {
  try {
    const name = parseHeader(bytes, bytes.length).metadata.name;
    return typeof name === 'string' && name.trim() ? savedNameOf(name.trim()).slice(0, 80) : null;
  } catch {
    return null; // not a safetensors file the header parser takes: the import itself says why
  }
}

/** The saved model's name for an imported file ("Friend tune.lora.safetensors" -> "Friend tune"). */
export function importName(fileName: string, peft: boolean): string {
  const stem = fileName.replace(/(\.lora)?\.safetensors$/i, '').trim();
  return (peft && stem === 'adapter_model' ? 'PEFT adapter' : stem) || 'Imported model';
}

/** Saved fine-tuned models: list, switch, rename, delete, export and import. */
export function createModelsSlice(ctx: SliceContext): ModelsSlice {
  const announce = (text: string) => ctx.get().announce(text);
  const setModels = (p: Partial<StudioState['models']>) => ctx.set((s) => ({ models: { ...s.models, ...p } }));
  const apply = (list: ModelList) => setModels({ list: list.models, active: list.active });
  const lmNow = () => ctx.get().engine.info?.lm;
  const setLm = (lm: LmInfo) =>
    ctx.set((s) => (s.engine.info ? { engine: { ...s.engine, info: { ...s.engine.info, lm } } } : {}));

  /** Runs one model operation: busy while in flight, errors shown in models.error. */
  async function op<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    // One at a time, and never while the engine trains the model in use.
    if (ctx.get().training.running || ctx.get().models.busy) return null;
    setModels({ busy: true, error: undefined, notice: undefined });
    try {
      return await fn();
    } catch (err) {
      const error = toErrorInfo(err);
      setModels({ error });
      announce(`${what} failed: ${error.message}`);
      return null;
    } finally {
      setModels({ busy: false });
    }
  }

  return {
    models: { list: [], active: null, busy: false },

    async refreshModels() {
      if (!lmNow()) return;
      try {
        apply(await ctx.engine.listModels({}));
      } catch (err) {
        setModels({ error: toErrorInfo(err) });
      }
    },

    async selectModel(id) {
      const now = lmNow();
      // Already in use; but "Pack model" is chosen again when unsaved weights of a failed run are in use.
      if ((now?.modelId ?? null) === id && (id !== null || now?.modelName === PACK_MODEL_NAME)) return;
      await op('Switching the model', async () => {
        const lm = await ctx.engine.useModel({ id });
        setLm(lm);
        setModels({ active: lm.modelId, notice: lm.notice });
        announce(`Now using ${lm.modelName}.`);
      });
    },

    async renameModel(id, name) {
      if (!name.trim()) return;
      await op('Renaming', async () => {
        const list = await ctx.engine.renameModel({ id, name });
        apply(list);
        const m = list.models.find((x) => x.id === id);
        const lm = lmNow();
        if (m && lm?.modelId === id) setLm({ ...lm, modelName: m.name });
        announce(`Renamed to ${m?.name ?? name}.`);
      });
    },

    async deleteModel(id) {
      const name = ctx.get().models.list.find((m) => m.id === id)?.name ?? 'the model';
      await op('Deleting', async () => {
        const list = await ctx.engine.deleteModel({ id });
        apply(list);
        const lm = lmNow();
        // Deleting the model in use puts the pack's own weights back.
        if (lm && lm.modelId === id) setLm({ ...lm, modelId: null, modelName: PACK_MODEL_NAME, modelKind: 'full', notice: undefined });
        announce(`Deleted ${name}.`);
      });
    },

    async exportWeights() {
      return op('Export', async () => {
        const r = await ctx.engine.exportWeights({});
        announce(`Exported ${r.fileName}.`);
        return { bytes: r.bytes, fileName: r.fileName };
      });
    },

    async importWeights(files) {
      await op('Import', async () => {
        const { weights, config } = pickWeightFiles(Array.isArray(files) ? files : [files]);
        const bytes = new Uint8Array(await weights.arrayBuffer());
        const adapterConfig = config ? await config.text() : undefined;
        // A studio export names its model ("My groove" again, not "My-groove"); a PEFT pair is named by its files.
        const name = (!config && exportedName(bytes)) || importName(weights.name, !!config);
        const lm = await ctx.engine.importWeights({ bytes, name, ...(adapterConfig !== undefined ? { adapterConfig } : {}) }, { transfer: [bytes.buffer] });
        setLm(lm);
        setModels({ active: lm.modelId, notice: lm.notice });
        apply(await ctx.engine.listModels({}));
        announce(`Imported ${lm.modelName}${lm.modelKind === 'lora' ? ' (LoRA adapter)' : ''}; it is in use.`);
      });
    },

    dismissModelError() {
      setModels({ error: undefined, notice: undefined });
    },
  };
}
