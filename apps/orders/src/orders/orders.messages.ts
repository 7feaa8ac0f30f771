import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser, type Principal } from '@tessera/auth';
import { OrdersSummaryRequest, Subjects } from '@tessera/contracts';

import { OrdersService } from './orders.service';

@Controller()
export class OrdersMessages {
  constructor(private readonly orders: OrdersService) {}

  @MessagePattern(Subjects.OrdersSummary)
  summary(@Payload() request: OrdersSummaryRequest, @CurrentUser() caller: Principal) {
    return this.orders.summary(caller, request.userId);
  }
}
