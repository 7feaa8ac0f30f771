import { ApiProperty } from '@nestjs/swagger';
import { OrdersSummaryReply, ProfileReply } from '@tessera/contracts';

import type { MyProfile } from '../profile.service';

/** `GET /profile/me`: the stored profile plus the caller's order summary from orders. */
export class MyProfileDto extends ProfileReply implements MyProfile {
  @ApiProperty({ type: OrdersSummaryReply, nullable: true, description: 'Null when orders could not answer.' })
  orders!: OrdersSummaryReply | null;
}
