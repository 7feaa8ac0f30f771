import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GetProfileRequest, type ProfileReply, Subjects } from '@tessera/contracts';

/**
 * `profile.get.v1` as profile declares it (contract class through the global validation pipe),
 * answered from memory so that scenario 4 measures the transport and the guard, not a database.
 */
@Controller()
export class BenchMessages {
  @MessagePattern(Subjects.ProfileGet)
  get(@Payload() request: GetProfileRequest): ProfileReply {
    return { userId: request.userId, displayName: 'Bench', shippingAddress: null };
  }
}
