import { BackendBadge, BackendSelect } from './BackendControls';
import { ClipList } from './ClipList';
import { DatasetBar } from './DatasetBar';
import { DropZone } from './DropZone';
import { EngineStatus } from './EngineStatus';
import { ErrorBoundary } from './ErrorBoundary';
import { GeneratePanel } from './GeneratePanel';
import { LiveStatus } from './LiveStatus';
import { PackPanel, PackSelect } from './PackControls';
import { PromptPanel } from './PromptPanel';
import { useStudio } from './StoreContext';
import { TakeList } from './TakeList';
import { TrainPanel } from './TrainPanel';

export function App() {
  const packName = useStudio((s) => s.engine.info?.packName);
  return (
    <div className="app">
      {/* On wide screens the panels sit beside the takes and clips but come first in the tab order: these jump straight there. */}
      <nav className="skip-links" aria-label="Skip to">
        <a href="#studio-panels">Skip to the prompt</a>
        <a href="#studio-takes">Skip to the takes</a>
        <a href="#studio-clips">Skip to the clips</a>
      </nav>
      <header className="app-header">
        <div className="brand">
          <h1>MusicGen Studio</h1>
          <span className="pack" data-testid="pack-name" title="Model pack">
            {packName ?? 'Loading pack…'}
          </span>
        </div>
        <div className="header-tools">
          <PackSelect />
          <BackendBadge />
          <BackendSelect />
        </div>
      </header>
      <PackPanel />
      <EngineStatus />
      {/* DOM (and tab) order: drop zone, prompt + generate + train, takes, clips. Wide screens put the
          panels in a right-hand column; narrow ones stack everything in that order. */}
      <main className="app-main">
        <div className="area-drop">
          <ErrorBoundary area="the drop zone">
            <DropZone />
          </ErrorBoundary>
        </div>
        <aside className="area-panels" id="studio-panels" tabIndex={-1} aria-label="Prompt, generation and training">
          <ErrorBoundary area="the prompt">
            <PromptPanel />
          </ErrorBoundary>
          <ErrorBoundary area="the Generate panel">
            <GeneratePanel />
          </ErrorBoundary>
          <ErrorBoundary area="the Train panel">
            <TrainPanel />
          </ErrorBoundary>
        </aside>
        <div className="area-takes" id="studio-takes" tabIndex={-1}>
          <ErrorBoundary area="the takes">
            <TakeList />
          </ErrorBoundary>
        </div>
        <div className="area-clips" id="studio-clips" tabIndex={-1}>
          <ErrorBoundary area="the clips">
            <DatasetBar />
            <ClipList />
          </ErrorBoundary>
        </div>
      </main>
      <footer className="app-footer">
        <LiveStatus />
      </footer>
    </div>
  );
}
