import { ProgressBar } from './ProgressBar';
import { useStudio } from './StoreContext';

/** Engine loading progress, or its error with a retry; nothing once it is ready. */
export function EngineStatus() {
  const engine = useStudio((s) => s.engine);
  const initEngine = useStudio((s) => s.initEngine);
  // A pack switch shows its own progress (per file, with Cancel) in the pack panel.
  const switching = useStudio((s) => s.pack.switching?.phase === 'loading');
  if (engine.status === 'ready' || (switching && engine.status === 'loading')) return null;
  return (
    <div className="engine-status" data-testid="engine-status" data-state={engine.status}>
      {engine.status === 'loading' && (
        <ProgressBar
          value={engine.progress?.value ?? null}
          label={engine.progress?.label ?? 'Loading the model pack…'}
        />
      )}
      {engine.status === 'error' && (
        <div role="alert" className="engine-error">
          <p>{engine.error?.message ?? 'The engine could not start.'}</p>
          <button type="button" onClick={() => void initEngine()}>
            Try again
          </button>
        </div>
      )}
    </div>
  );
}
