import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { savedNameOf, unsavedLabel } from '../runtime/modelStore';
import { isWeightsFile, PACK_MODEL_NAME } from '../state/modelsSlice';
import { downloadBytes } from './download';
import { useStudio } from './StoreContext';

/** Choose the LM in use (pack or saved fine-tune), rename / delete it, export and import weights. */
/** The menu's value for weights in use that are saved nowhere. */
const UNSAVED = '__unsaved__';

export function ModelControls() {
  const id = useId();
  const lm = useStudio((s) => s.engine.info?.lm);
  const ready = useStudio((s) => s.engine.status === 'ready');
  const models = useStudio((s) => s.models);
  const training = useStudio((s) => s.training.running);
  const generating = useStudio((s) => s.generation.running);
  const { selectModel, renameModel, deleteModel, exportWeights, importWeights, dismissModelError } = useStudio(
    useShallow((s) => ({
      selectModel: s.selectModel, renameModel: s.renameModel, deleteModel: s.deleteModel,
      exportWeights: s.exportWeights, importWeights: s.importWeights, dismissModelError: s.dismissModelError,
    })),
  );
  const [renaming, setRenaming] = useState<string | null>(null);
  if (!lm) return null;

  const activeId = lm.modelId;
  const saved = models.list.find((m) => m.id === activeId);
  // A run that failed with nothing saved leaves its weights in use under no id: listed as such, not as the pack's.
  const unsaved = activeId === null && lm.modelName !== PACK_MODEL_NAME;
  // Not disabled while an operation runs (that would drop keyboard focus); the store ignores overlapping ones.
  const locked = !ready || training || generating;
  const why = training ? 'Unavailable while training.' : generating ? 'Unavailable while generating.' : null;

  const onExport = async () => {
    const r = await exportWeights();
    if (r) downloadBytes(r.bytes, r.fileName, 'application/octet-stream');
  };
  const onDelete = () => {
    if (saved && window.confirm(`Delete the saved model “${saved.name}”? This cannot be undone.`)) void deleteModel(saved.id);
  };

  return (
    <div
      className="models"
      data-testid="models"
      onDragOver={(e) => {
        if (!locked && Array.from(e.dataTransfer.types).includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const files = Array.from(e.dataTransfer.files);
        if (locked || files.length === 0 || !files.every((f) => isWeightsFile(f.name))) return; // audio goes on to the page's drop handler
        e.preventDefault();
        e.stopPropagation();
        void importWeights(files);
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-sel`}>Model in use</label>
        <select
          id={`${id}-sel`}
          data-testid="model-select"
          value={activeId ?? (unsaved ? UNSAVED : '')}
          disabled={locked}
          aria-describedby={`${id}-hint`}
          onChange={(e) => { const v = e.currentTarget.value; if (v !== UNSAVED) void selectModel(v || null); }}
        >
          <option value="">Pack model</option>
          {models.list.map((m) => (
            <option key={m.id} value={m.id}>
              {`${m.name}${m.kind === 'lora' ? ' · LoRA' : ''} · ${m.step === 0 && !m.plan ? 'imported' : `step ${m.step}`}`}
            </option>
          ))}
          {activeId && !saved && <option value={activeId}>{unsavedLabel(`${savedNameOf(lm.modelName)}${lm.modelKind === 'lora' ? ' · LoRA' : ''}`)}</option>}
          {unsaved && <option value={UNSAVED}>{unsavedLabel(lm.modelName)}</option>}
        </select>
        <p id={`${id}-hint`} className="hint">
          {why ?? (models.list.length
            ? `Saved fine-tunes stay in this browser.${models.list.some((m) => m.kind === 'lora') ? ' LoRA models are adapters on the pack model.' : ''}`
            : 'Fine-tunes you train or import appear here.')}
        </p>
      </div>
      {renaming !== null && saved ? (
        <form
          className="field-row rename"
          onSubmit={(e) => {
            e.preventDefault();
            void renameModel(saved.id, renaming);
            setRenaming(null);
          }}
        >
          <label className="visually-hidden" htmlFor={`${id}-rn`}>New name for {saved.name}</label>
          <input id={`${id}-rn`} type="text" data-testid="model-rename-input" value={renaming} maxLength={80} autoFocus
            onChange={(e) => setRenaming(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)} />
          <button type="submit" data-testid="model-rename-save" disabled={!renaming.trim()}>Save</button>
          <button type="button" onClick={() => setRenaming(null)}>Cancel</button>
        </form>
      ) : (
        <div className="model-actions">
          {saved && (
            <>
              <button type="button" data-testid="model-rename" disabled={locked} onClick={() => setRenaming(saved.name)}>
                Rename
              </button>
              <button type="button" data-testid="model-delete" disabled={locked} onClick={onDelete}>
                Delete
              </button>
            </>
          )}
          <button type="button" data-testid="export-weights" disabled={locked} onClick={() => void onExport()}
            title={lm.modelKind === 'lora' ? 'Download the adapter in use as .lora.safetensors (PEFT names)' : 'Download the model in use as .safetensors (Hugging Face MusicGen names)'}>
            ⤓ Export weights
          </button>
          <label className={`file-button${locked ? ' is-disabled' : ''}`}>
            ⤒ Import weights
            <input
              type="file"
              multiple
              accept=".safetensors,.json"
              className="visually-hidden"
              data-testid="import-weights"
              disabled={locked}
              aria-describedby={`${id}-import-hint`}
              onChange={(e) => {
                const files = Array.from(e.currentTarget.files ?? []);
                e.currentTarget.value = '';
                if (files.length) void importWeights(files);
              }}
            />
          </label>
        </div>
      )}
      <p id={`${id}-import-hint`} className="hint">
        Imports .safetensors weights. A PEFT adapter: pick or drop adapter_model.safetensors and adapter_config.json together.
      </p>
      {models.busy && <p className="hint">Working on the model…</p>}
      {models.notice && <p className="notice is-warn" data-testid="model-notice">{models.notice}</p>}
      {models.error && (
        <div className="inline-error" role="alert" data-testid="model-error" data-code={models.error.code}>
          <p>{models.error.message}</p>
          <button type="button" className="link-button" onClick={dismissModelError}>Dismiss</button>
        </div>
      )}
    </div>
  );
}
