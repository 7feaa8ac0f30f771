import { isUuid } from '@tessera/platform';

import type { UsersService } from '../../accounts/users.service';
import { UsageError } from '../command';

/** A user named by id or by email, as the operator typed it; an unknown one is a usage mistake. */
export async function findUser(users: UsersService, who: string): Promise<{ id: string; email: string }> {
  const user = isUuid(who) ? await users.findById(who.toLowerCase()) : await users.findByEmail(who);
  if (!user) {
    throw new UsageError(`no user ${JSON.stringify(who)} (give an id or an email address)`);
  }
  return { id: user.id, email: user.email };
}
