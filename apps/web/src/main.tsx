import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app';
import { loadConsoleConfig } from './config';
import { SessionProvider } from './session';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

// The API URLs come from the console's own server (/config.json), so one build serves every
// environment.
loadConsoleConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <SessionProvider config={config}>
          <App />
        </SessionProvider>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main className="narrow">
        <h1>Tessera console</h1>
        <div className="alert alert-error" role="alert">
          The console could not load its configuration ({error instanceof Error ? error.message : 'unknown error'}).
          Reload the page; if it keeps failing, the console server is misconfigured.
        </div>
      </main>,
    ),
);
