import { Module } from '@nestjs/common';

import { OrdersController } from './orders.controller';
import { OrdersMessages } from './orders.messages';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  controllers: [OrdersController, OrdersMessages],
  providers: [OrdersService, OrdersRepository],
})
export class OrdersModule {}
