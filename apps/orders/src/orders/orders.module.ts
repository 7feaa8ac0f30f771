import { Module } from '@nestjs/common';

import { OrdersController } from './orders.controller';
import { OrdersMessages } from './orders.messages';
import { OrdersService } from './orders.service';

@Module({
  controllers: [OrdersController, OrdersMessages],
  providers: [OrdersService],
})
export class OrdersModule {}
