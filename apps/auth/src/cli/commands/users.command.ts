import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

import { CommonPasswords } from '../../accounts/common-passwords';
import { RegisterDto } from '../../accounts/dto/register.dto';
import { Role, ROLES } from '../../accounts/roles';
import type { UnresolvedAccounts } from '../../accounts/users.service';
import { UsersService } from '../../accounts/users.service';
import type { UserPatch } from '../../admin/admin-users.service';
import { AdminUsersService } from '../../admin/admin-users.service';
import type { Action, CommandHost } from '../command';
import { table, UsageError } from '../command';
import { findUser } from './user-argument';

/** Who the audit trail and the logs name for a change made from the CLI. */
const OPERATOR = 'operator';

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

/** The report of `users duplicates` for a person: one table per group, the account that signs in first. */
function describeUnresolved(report: UnresolvedAccounts): string {
  const columns = ['id', 'email', 'createdAt', 'disabled', 'signsIn'];
  const sections = [
    ...report.duplicates.map(
      (group) =>
        `accounts sharing the canonical email ${group.canonicalEmail}:\n${table(
          group.accounts.map((a) => ({ ...a })),
          columns,
        )}`,
    ),
    ...(report.refused.length > 0
      ? [
          `accounts whose address is refused (control, format or invisible characters, or invalid):\n${table(
            report.refused.map((a) => ({ ...a })),
            columns,
          )}`,
        ]
      : []),
  ];
  if (sections.length === 0) {
    return 'no near-duplicate accounts: every account has its canonical email';
  }
  return [
    ...sections,
    "Only the accounts with signsIn=true can sign in with a password. Disable the others that are not their owner's (`users disable <id>`).",
  ].join('\n\n');
}

/**
 * `users list|duplicates|create-admin|set-roles|disable|enable`: accounts, through AdminUsersService like
 * `/admin/users` (so a disable commits the revocation of every token before it returns) and UsersService.
 */
export function registerUsersCommands(program: Command, host: CommandHost): void {
  const users = program.command('users').description('user accounts');
  users
    .command('list')
    .description('accounts, oldest first')
    .option('--limit <n>', 'how many (1 to 1000)', parseLimit, 100)
    .action((options: { limit: number }) => {
      host.run(async (app) => {
        const { items } = await app.get(AdminUsersService).list(options.limit);
        const view = items.map((u) => ({ ...u, roles: u.roles.join(',') }));
        host.print(table(view, ['id', 'email', 'roles', 'disabled', 'createdAt']), items);
      });
    });
  users
    .command('duplicates')
    .description(
      'accounts that cannot sign in because an older account has the same canonical email (or their address is now refused); nothing is changed',
    )
    .action(() => {
      host.run(async (app) => {
        const report = await app.get(UsersService).unresolvedAccounts();
        host.print(describeUnresolved(report), report);
      });
    });
  users
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
      const password = host.readFile(options.passwordFile).replace(/\r?\n$/, '');
      // The same rules as POST /auth/register.
      const dto = plainToInstance(RegisterDto, { email, password });
      const problems = await validate(dto);
      if (problems.length > 0) {
        throw new UsageError(problems.flatMap((p) => Object.values(p.constraints ?? {})).join('; '));
      }
      if (new CommonPasswords().isCommon(dto.password, dto.email)) {
        throw new UsageError(
          'password is too common or too easy to guess (or it is the email address); choose another',
        );
      }
      host.run(async (app) => {
        const user = await app
          .get(UsersService)
          .createWithRoles({ email: dto.email, password: dto.password }, [Role.User, Role.Admin]);
        host.print(`created admin ${user.email} (${user.id})`, user);
      });
    });
  const patchUser =
    (who: string, patch: UserPatch, done: string): Action =>
    async (app) => {
      const user = await findUser(app.get(UsersService), who);
      const view = await app.get(AdminUsersService).update(OPERATOR, user.id, patch);
      host.print(`${done}: ${view.email} (${view.id}) roles=${view.roles.join(',')} disabled=${view.disabled}`, view);
    };
  users
    .command('set-roles <user> <roles>')
    .description("replace a user's roles (comma-separated: user,admin); their current tokens are revoked")
    .action((who: string, roles: string) => {
      host.run(patchUser(who, { roles: parseRoles(roles) }, 'roles set'));
    });
  users
    .command('disable <user>')
    .description('disable an account: every session ends and every token is revoked at once')
    .action((who: string) => {
      host.run(patchUser(who, { disabled: true }, 'disabled'));
    });
  users
    .command('enable <user>')
    .description('enable a disabled account again')
    .action((who: string) => {
      host.run(patchUser(who, { disabled: false }, 'enabled'));
    });
}
