import 'reflect-metadata';

import { runMain } from '@tessera/platform';

import { createOrdersApp } from './app';
import { loadOrdersConfig } from './config/orders.config';

runMain(() => createOrdersApp(loadOrdersConfig()));
