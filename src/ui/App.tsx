import { BackendBadge, BackendSelect } from './BackendControls';
import { ClipList } from './ClipList';
import { DatasetBar } from './DatasetBar';
import { DropZone } from './DropZone';
import { EngineStatus } from './EngineStatus';
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
          <DropZone />
        </div>
        <aside className="area-panels" aria-label="Prompt, generation and training">
          <PromptPanel />
          <GeneratePanel />
          <TrainPanel />
        </aside>
        <div className="area-takes">
          <TakeList />
        </div>
        <div className="area-clips">
          <DatasetBar />
          <ClipList />
        </div>
      </main>
      <footer className="app-footer">
        <LiveStatus />
      </footer>
    </div>
  );
}
