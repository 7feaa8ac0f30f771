import 'reflect-metadata';

import { runMain } from '@tessera/platform';

import { createProfileApp } from './app';
import { loadProfileConfig } from './config/profile.config';

runMain(() => createProfileApp(loadProfileConfig()));
