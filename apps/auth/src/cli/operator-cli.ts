import { readFileSync } from 'node:fs';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, DatabaseInUseError, TesseraError } from '@tessera/platform';
import { Command, CommanderError } from 'commander';

import { loadAuthConfig } from '../config/auth.config';
import { CliModule } from './cli.module';
import type { Action, CommandHost } from './command';
import { UsageError } from './command';
import { registerClientsCommands } from './commands/clients.command';
import { registerKeysCommands } from './commands/keys.command';
import { registerSessionsCommands } from './commands/sessions.command';
import { registerUsersCommands } from './commands/users.command';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a file, or standard input for "-". */
  readFile(path: string): string;
}

/**
 * `npm run tessera -- <command>`: the operator CLI (README.md, "The operator CLI"). It opens
 * auth's own database and NATS with auth's configuration (the same environment variables) and
 * calls the services the HTTP routes call (cli/commands/), so what it does is exactly what the
 * app would do: keys are published before they sign, disabling a user revokes every token at
 * once, and events and audit records go out through the outbox.
 *
 * Exit codes: 0 done, 1 refused or failed (one line, never a stack), 2 a usage mistake.
 */
export async function runOperatorCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  let action: Action | undefined;
  let json = false;
  const host: CommandHost = {
    run: (chosen) => {
      action = chosen;
    },
    print: (human, data) => io.out(json ? JSON.stringify(data, null, 2) : human),
    readFile: (path) => io.readFile(path),
  };

  const program = new Command('tessera')
    .description(
      "Tessera's operator CLI. Reads auth's configuration from the environment (see apps/auth/.env.example).",
    )
    .option('--json', 'print results as JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  program.hook('preAction', () => {
    json = program.opts<{ json?: boolean }>().json === true;
  });
  // program.command() in each file, not addCommand(): subcommands inherit exitOverride and the output.
  registerKeysCommands(program, host);
  registerUsersCommands(program, host);
  registerClientsCommands(program, host);
  registerSessionsCommands(program, host);

  try {
    await program.parseAsync(['node', 'tessera', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (!action) {
    program.outputHelp();
    return 2;
  }

  let ctx: INestApplicationContext | undefined;
  try {
    const config = loadAuthConfig(env);
    config.rotateToConfiguredAlgorithmAtStart = false;
    ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    await ctx.init();
    await action(ctx);
    return 0;
  } catch (e) {
    io.err(`error: ${describeFailure(e)}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    // Flushes the outbox (events, audit records) and closes NATS and the database.
    await ctx?.close().catch((e: unknown) => io.err(`error while closing: ${describeFailure(e)}`));
  }
}

/** One line an operator can act on: never a stack trace, never a secret. */
function describeFailure(e: unknown): string {
  if (e instanceof ConfigValidationError) {
    return e.message;
  }
  if (e instanceof TesseraError || e instanceof DatabaseInUseError || e instanceof UsageError) {
    return e.message;
  }
  const code = (e as { code?: unknown }).code;
  if (code === 'ECONNREFUSED' || (e as Error).name === 'ConnectionError' || /CONNECTION_REFUSED/.test(String(code))) {
    return `cannot connect (${(e as Error).message}): is NATS running at NATS_URL, and the database reachable?`;
  }
  return (e as Error).message || String(e);
}

/** Reads the key file; "-" is standard input. */
export function readInput(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}
