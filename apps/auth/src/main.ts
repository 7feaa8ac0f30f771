// Decorator metadata must exist before any decorated class loads (contracts, config).
import 'reflect-metadata';

import { runMain } from '@tessera/platform';

import { createAuthApp } from './app';
import { loadAuthConfig } from './config/auth.config';

// `async`, so a ConfigValidationError thrown while loading the config reaches runMain as a
// rejection and prints as the list of what is wrong (names and rules, never values).
runMain(async () => createAuthApp(loadAuthConfig()));
