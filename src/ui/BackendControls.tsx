import { BACKEND_CHOICES, type BackendChoice } from '../runtime/backend';
import { backendLabel } from './format';
import { useStudio } from './StoreContext';

const CHOICE_LABEL: Record<BackendChoice, string> = {
  auto: 'Auto (best available)',
  webgpu: 'WebGPU',
  wasm: 'WASM',
  cpu: 'CPU (slowest)',
};

/** Shows the backend in use (with why), and lets the user force one. */
export function BackendBadge() {
  const info = useStudio((s) => s.engine.info);
  const status = useStudio((s) => s.engine.status);
  const text = info ? backendLabel(info.backend) : status === 'error' ? 'No engine' : 'Starting…';
  const reason = info?.backendReason ?? (status === 'error' ? 'The engine failed to start' : 'The engine is loading');
  return (
    <span className="backend">
      <span className="badge" data-testid="backend-badge" data-backend={info?.backend ?? ''} title={reason}>
        {text}
      </span>
      <span className="visually-hidden"> ({reason})</span>
    </span>
  );
}

export function BackendSelect() {
  const backend = useStudio((s) => s.backend);
  const setBackend = useStudio((s) => s.setBackend);
  const training = useStudio((s) => s.training.running); // a reload now would drop the run's model
  return (
    <label className="backend-select">
      <span>Compute</span>
      <select
        data-testid="backend-select"
        value={backend}
        disabled={training}
        title={training ? 'Available when the training ends' : undefined}
        onChange={(e) => void setBackend(e.currentTarget.value as BackendChoice)}
      >
        {BACKEND_CHOICES.map((c) => (
          <option key={c} value={c}>
            {CHOICE_LABEL[c]}
          </option>
        ))}
      </select>
    </label>
  );
}
