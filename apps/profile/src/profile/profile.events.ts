import type { OnApplicationBootstrap } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Subjects, UserRegisteredEvent } from '@tessera/contracts';
import { EventBus } from '@tessera/platform';

import { ProfileService } from './profile.service';

/**
 * Creates a profile for every registered user, from the durable JetStream consumer: events
 * published while profile was down arrive when it comes back; a redelivered event changes nothing.
 */
@Injectable()
export class ProfileEvents implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    private readonly profiles: ProfileService,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.events.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'profile_user_registered',
      type: UserRegisteredEvent,
      handle: (event) => this.profiles.createIfMissing(event.userId, event.displayName),
    });
  }
}
