import { Inject, Injectable, Logger } from '@nestjs/common';
import { isServicePrincipal, type Principal, ServiceCalls } from '@tessera/auth';
import { OrdersSummaryReply, type ProfileReply, Scope, Subjects } from '@tessera/contracts';
import type { Database } from '@tessera/platform';
import { DATABASE, TesseraError } from '@tessera/platform';
import { eq, sql } from 'drizzle-orm';

import { profiles, type ProfileSchema } from '../database/schema';
import type { UpdateProfileDto } from './dto/update-profile.dto';
import { ProfileAccessDeniedError, ProfileNotFoundError, UpstreamRefusedError } from './profile.errors';

const ORDERS_AUDIENCE = 'orders';

export interface MyProfile extends ProfileReply {
  /** The caller's order summary from orders, or null when orders could not answer. */
  orders: OrdersSummaryReply | null;
}

@Injectable()
export class ProfileService {
  private readonly logger = new Logger('Profile');

  constructor(
    @Inject(DATABASE) private readonly db: Database<ProfileSchema>,
    private readonly calls: ServiceCalls,
  ) {}

  /** The user's profile, or an empty one when none was stored yet. */
  async find(userId: string): Promise<ProfileReply> {
    return (await this.stored(userId)) ?? { userId, displayName: null, shippingAddress: null };
  }

  private async stored(userId: string): Promise<ProfileReply | undefined> {
    const [row] = await this.db.select().from(profiles).where(eq(profiles.userId, userId));
    return row && { userId, displayName: row.displayName ?? null, shippingAddress: row.shippingAddress ?? null };
  }

  /**
   * `profile.get.v1`: the user themself, or a service's own token with `profile:read`. A user's
   * token carries `profile:read` too, for their own profile only, so the scope alone is not enough.
   */
  async findFor(caller: Principal, userId: string): Promise<ProfileReply> {
    if (caller.sub !== userId && !(isServicePrincipal(caller) && caller.scopes.includes(Scope.ProfileRead))) {
      throw new ProfileAccessDeniedError();
    }
    return this.find(userId);
  }

  /** The caller's profile plus their order summary, asked of orders on the caller's behalf. */
  async findMine(caller: Principal, requestId?: string): Promise<MyProfile> {
    const [profile, orders] = await Promise.all([this.find(caller.sub), this.ordersSummary(caller, requestId)]);
    return { ...profile, orders };
  }

  /**
   * Idempotent: a second call for the same user (a redelivered event) changes nothing. A user
   * may save an address before the registration event arrives; the display name given at
   * sign-up then still lands, unless they have set one themselves meanwhile.
   */
  async createIfMissing(userId: string, displayName?: string): Promise<void> {
    await this.db
      .insert(profiles)
      .values({ userId, displayName: displayName ?? null })
      .onConflictDoUpdate({
        target: profiles.userId,
        set: { displayName: sql`coalesce(${profiles.displayName}, excluded.display_name)` },
      });
  }

  /** For admins: a profile that exists, or ProfileNotFoundError. */
  async get(userId: string): Promise<ProfileReply> {
    const profile = await this.stored(userId);
    if (!profile) {
      throw new ProfileNotFoundError();
    }
    return profile;
  }

  async update(userId: string, changes: UpdateProfileDto): Promise<ProfileReply> {
    const values = {
      ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
      ...(changes.shippingAddress !== undefined ? { shippingAddress: { ...changes.shippingAddress } } : {}),
    };
    await this.db
      .insert(profiles)
      .values({ userId, ...values })
      .onConflictDoUpdate({ target: profiles.userId, set: { ...values, updatedAt: new Date() } });
    return this.find(userId);
  }

  private async ordersSummary(caller: Principal, requestId?: string): Promise<OrdersSummaryReply | null> {
    try {
      // Never the user's own token: one exchanged for it, for orders only, scope orders:read.
      return await this.calls
        .forUser(caller, ORDERS_AUDIENCE, { scope: Scope.OrdersRead, requestId })
        .request(Subjects.OrdersSummary, { userId: caller.sub }, OrdersSummaryReply);
    } catch (e) {
      // The profile is still worth returning when orders is down; anything else is a bug.
      if (e instanceof TesseraError && e.status >= 500) {
        return null;
      }
      if (e instanceof TesseraError && e.status === 401) {
        this.logger.error({ msg: 'orders refused the exchanged token', code: e.code, requestId });
        throw new UpstreamRefusedError();
      }
      throw e;
    }
  }
}
