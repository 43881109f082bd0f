import { BackendBadge, BackendSelect } from './BackendControls';
import { ClipList } from './ClipList';
import { DropZone } from './DropZone';
import { EngineStatus } from './EngineStatus';
import { LiveStatus } from './LiveStatus';
import { useStudio } from './StoreContext';

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
          <BackendBadge />
          <BackendSelect />
        </div>
      </header>
      <EngineStatus />
      <main className="app-main">
        <DropZone />
        <ClipList />
      </main>
      <footer className="app-footer">
        <LiveStatus />
      </footer>
    </div>
  );
}
