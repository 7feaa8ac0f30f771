import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RevocationPublisher } from '@tessera/auth';
import { ConfigValidationError, DATABASE, DatabaseInUseError, isUuid, TesseraError } from '@tessera/platform';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { asc, eq } from 'drizzle-orm';

import { AdminUsersService } from '../admin/admin-users.service';
import type { AuthConfig } from '../config/auth.config';
import { loadAuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import { users } from '../database/schema';
import { KeyService } from '../keys/key.service';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { RegisterDto } from '../accounts/dto/register.dto';
import { normalizeEmail } from '../database/email';
import { UsersService } from '../accounts/users.service';
import { Role, ROLES } from '../accounts/roles';
import { CliModule } from './cli.module';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a file, or standard input for "-". */
  readFile(path: string): string;
}

/** A usage problem the operator can fix by reading the help. */
class UsageError extends Error {}

type Action = (ctx: INestApplicationContext, config: AuthConfig) => Promise<unknown> | void;

function parseRoles(value: string): Role[] {
  const roles = value.split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw new UsageError(`roles are a comma-separated list of ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('a whole number from 1 to 1000');
  }
  return n;
}

/** A user named by id or by email, as the operator typed it. */
async function findUser(ctx: INestApplicationContext, who: string): Promise<{ id: string; email: string }> {
  const db = ctx.get<AuthDatabase>(DATABASE);
  const where = isUuid(who) ? eq(users.id, who.toLowerCase()) : eq(users.email, normalizeEmail(who));
  const [row] = await db.select({ id: users.id, email: users.email }).from(users).where(where).limit(1);
  if (!row) {
    throw new UsageError(`no user ${JSON.stringify(who)} (give an id or an email address)`);
  }
  return row;
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown): string =>
    v === null || v === undefined
      ? '-'
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'string'
          ? v
          : JSON.stringify(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

/**
 * `npm run tessera -- <command>`: the operator CLI (README.md, "The operator CLI"). It opens auth's own
 * database and NATS with auth's configuration (the same environment variables), so what it does
 * is exactly what the app would do: keys are published before they sign, disabling a user
 * revokes every token at once, and events and audit records go out through the outbox.
 */
export async function runOperatorCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  let action: Action | undefined;
  let json = false;
  const print = (human: string, data: unknown) => io.out(json ? JSON.stringify(data, null, 2) : human);

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

  const keys = program.command('keys').description('the signing key set');
  keys
    .command('list')
    .description('stored signing keys, oldest first (never a private part)')
    .action(() => {
      action = async (ctx) => {
        const list = await ctx.get(KeyService).list();
        print(list.length ? table(list as never[], ['kid', 'alg', 'status', 'createdAt']) : 'no stored keys', list);
      };
    });
  keys
    .command('rotate')
    .description('generate a key, publish it, then sign with it; the old key stays published until its tokens expire')
    .option('--alg <alg>', 'RS256 or ES256 (default AUTH_SIGNING_ALG)')
    .action((options: { alg?: string }) => {
      if (options.alg !== undefined && options.alg !== 'RS256' && options.alg !== 'ES256') {
        throw new UsageError('--alg must be RS256 or ES256');
      }
      action = async (ctx) => {
        const jwk = await ctx.get(KeyService).rotate(options.alg as 'RS256' | 'ES256' | undefined, {
          subject: 'operator',
        });
        print(`rotated: now signing with ${jwk.alg} key ${jwk.kid}`, { kid: jwk.kid, alg: jwk.alg });
      };
    });
  keys
    .command('import <file>')
    .description('import a private key (PEM or JWK, RSA 2048+ or EC P-256; "-" reads standard input) and sign with it')
    .action((file: string) => {
      const material = io.readFile(file);
      action = async (ctx) => {
        const jwk = await ctx.get(KeyService).import(material, { subject: 'operator' });
        print(`imported: now signing with ${jwk.alg} key ${jwk.kid}`, { kid: jwk.kid, alg: jwk.alg });
      };
    });

  keys
    .command('withdraw <kid>')
    .description('after a compromise: withdraw a retired key now, so no token it signed is accepted any more')
    .action((kid: string) => {
      action = async (ctx) => {
        await ctx.get(KeyService).withdraw(kid, { subject: 'operator' });
        print(`withdrew key ${kid}: every service drops it now; tokens it signed are refused`, { kid });
      };
    });

  const usersCommand = program.command('users').description('user accounts');
  usersCommand
    .command('list')
    .description('accounts, oldest first')
    .option('--limit <n>', 'how many (1 to 1000)', parseLimit, 100)
    .action((options: { limit: number }) => {
      action = async (ctx) => {
        const db = ctx.get<AuthDatabase>(DATABASE);
        const rows = await db
          .select({
            id: users.id,
            email: users.email,
            roles: users.roles,
            disabled: users.disabled,
            createdAt: users.createdAt,
          })
          .from(users)
          .orderBy(asc(users.createdAt), asc(users.id))
          .limit(options.limit);
        const view = rows.map((r) => ({ ...r, roles: r.roles.join(',') }));
        print(table(view, ['id', 'email', 'roles', 'disabled', 'createdAt']), rows);
      };
    });
  usersCommand
    .command('create-admin <email>')
    .description(
      'create an account with the admin role; the password is read from --password-file ("-": standard input)',
    )
    .requiredOption(
      '--password-file <file>',
      'file holding the password (12 to 128 characters); "-" reads standard input',
    )
    .action(async (email: string, options: { passwordFile: string }) => {
      // Never from the command line: arguments end up in shell history and process lists.
      const password = io.readFile(options.passwordFile).replace(/\r?\n$/, '');
      const dto = plainToInstance(RegisterDto, { email, password });
      const problems = await validate(dto);
      if (problems.length > 0) {
        throw new UsageError(problems.flatMap((p) => Object.values(p.constraints ?? {})).join('; '));
      }
      action = async (ctx) => {
        const user = await ctx
          .get(UsersService)
          .createWithRoles({ email: dto.email, password: dto.password }, [Role.User, Role.Admin]);
        print(`created admin ${user.email} (${user.id})`, user);
      };
    });
  const patchUser = (who: string, patch: { roles?: Role[]; disabled?: boolean }, done: string): Action => {
    return async (ctx) => {
      const user = await findUser(ctx, who);
      const view = await ctx.get(AdminUsersService).update('operator', user.id, patch);
      print(`${done}: ${view.email} (${view.id}) roles=${view.roles.join(',')} disabled=${view.disabled}`, view);
    };
  };
  usersCommand
    .command('set-roles <user> <roles>')
    .description("replace a user's roles (comma-separated: user,admin); their current tokens are revoked")
    .action((who: string, roles: string) => {
      action = patchUser(who, { roles: parseRoles(roles) }, 'roles set');
    });
  usersCommand
    .command('disable <user>')
    .description('disable an account: every session ends and every token is revoked at once')
    .action((who: string) => {
      action = patchUser(who, { disabled: true }, 'disabled');
    });
  usersCommand
    .command('enable <user>')
    .description('enable a disabled account again')
    .action((who: string) => {
      action = patchUser(who, { disabled: false }, 'enabled');
    });

  const clients = program.command('clients').description('OAuth service clients (declared in SERVICE_CLIENTS)');
  clients
    .command('list')
    .description('declared clients, their scopes, and whether a secret is configured')
    .action(() => {
      action = (_ctx, config) => {
        const list = config.serviceClients.map((c) => ({
          clientId: c.id,
          scopes: c.scopes.join(' '),
          secretVariable: c.secretVariable,
          secretSet: config.serviceClientSecrets.has(c.id),
        }));
        print(table(list, ['clientId', 'scopes', 'secretVariable', 'secretSet']), list);
      };
    });
  clients
    .command('new-secret <clientId>')
    .description('print a fresh random secret for a declared client, to set in auth and in that service')
    .action((clientId: string) => {
      action = (_ctx, config) => {
        const declared = config.serviceClients.find((c) => c.id === clientId);
        if (!declared) {
          throw new UsageError(`no client ${JSON.stringify(clientId)} is declared in SERVICE_CLIENTS`);
        }
        const secret = randomBytes(32).toString('base64url');
        const variable = declared.secretVariable;
        print(
          `${variable}=${secret}\nSet it for auth (${variable}) and as SERVICE_CLIENT_SECRET of the ${clientId} service, then restart both.`,
          { clientId, variable, secret },
        );
      };
    });

  const sessions = program.command('sessions').description("a user's sessions (one per sign-in)");
  sessions
    .command('list <user>')
    .description('live sessions, most recently used first')
    .action((who: string) => {
      action = async (ctx) => {
        const user = await findUser(ctx, who);
        const list = await ctx.get(SessionFamiliesService).list(user.id, '');
        const view = list.map(({ current: _current, ...rest }) => rest);
        print(
          view.length ? table(view, ['id', 'createdAt', 'lastUsedAt', 'clientAddress', 'userAgent']) : 'no sessions',
          view,
        );
      };
    });
  sessions
    .command('end <user> <sessionId>')
    .description('end one session: its refresh token and access tokens are revoked')
    .action((who: string, sessionId: string) => {
      action = async (ctx) => {
        const user = await findUser(ctx, who);
        await ctx.get(SessionFamiliesService).end(user.id, sessionId);
        print(`ended session ${sessionId} of ${user.email}`, { userId: user.id, sessionId });
      };
    });
  sessions
    .command('end-all <user>')
    .description('end every session of a user and revoke every access token issued to them so far')
    .action((who: string) => {
      action = async (ctx) => {
        const user = await findUser(ctx, who);
        const ended = await ctx
          .get(SessionFamiliesService)
          .revokeUserFamilies(user.id, 'session_ended', { revokeAccessTokens: false });
        await ctx.get(RevocationPublisher).revokeSubject(user.id);
        print(`ended ${ended.length} session(s) of ${user.email}; every token issued so far is revoked`, {
          userId: user.id,
          sessions: ended,
        });
      };
    });

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
    await action(ctx, config);
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
