import type { Command } from 'commander';

import { UsersService } from '../../accounts/users.service';
import { SessionFamiliesService } from '../../sessions/session-families.service';
import type { CommandHost } from '../command';
import { table } from '../command';
import { findUser } from './user-argument';

/** `sessions list|end|end-all`: a user's sessions, through SessionFamiliesService like `/auth/sessions`. */
export function registerSessionsCommands(program: Command, host: CommandHost): void {
  const sessions = program.command('sessions').description("a user's sessions (one per sign-in)");
  sessions
    .command('list <user>')
    .description('live sessions, most recently used first')
    .action((who: string) => {
      host.run(async (app) => {
        const user = await findUser(app.get(UsersService), who);
        // No access token is the operator's, so no session is "current".
        const list = await app.get(SessionFamiliesService).list(user.id, '');
        const view = list.map(({ current: _current, ...rest }) => rest);
        host.print(
          view.length ? table(view, ['id', 'createdAt', 'lastUsedAt', 'clientAddress', 'userAgent']) : 'no sessions',
          view,
        );
      });
    });
  sessions
    .command('end <user> <sessionId>')
    .description('end one session: its refresh token and access tokens are revoked')
    .action((who: string, sessionId: string) => {
      host.run(async (app) => {
        const user = await findUser(app.get(UsersService), who);
        await app.get(SessionFamiliesService).end(user.id, sessionId);
        host.print(`ended session ${sessionId} of ${user.email}`, { userId: user.id, sessionId });
      });
    });
  sessions
    .command('end-all <user>')
    .description('end every session of a user and revoke every access token issued to them so far')
    .action((who: string) => {
      host.run(async (app) => {
        const user = await findUser(app.get(UsersService), who);
        const ended = await app.get(SessionFamiliesService).endAll(user.id, 'session_ended');
        host.print(`ended ${ended.length} session(s) of ${user.email}; every token issued so far is revoked`, {
          userId: user.id,
          sessions: ended,
        });
      });
    });
}
