import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './ui/App';
import { bootstrap } from './ui/bootstrap';
import { installFocusRescue } from './ui/focusRescue';
import { StoreProvider } from './ui/StoreContext';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const store = bootstrap();
installFocusRescue();
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
