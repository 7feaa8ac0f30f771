import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CurrentUser, type Principal, Roles } from '@tessera/auth';
import type { FastifyRequest } from 'fastify';

import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { OrderIdParams } from './dto/order-id.params';
import { OrdersService } from './orders.service';

/** Orders belong to people: a service token (no user role) gets 403, never someone's orders. */
@Controller('orders')
@Roles('user', 'admin')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(201)
  place(@CurrentUser() caller: Principal, @Body() dto: CreateOrderDto, @Req() request: FastifyRequest) {
    return this.orders.place(caller, dto, request.id);
  }

  @Get()
  list(@CurrentUser() caller: Principal, @Query() query: ListOrdersQuery) {
    return this.orders.list(caller, query);
  }

  @Get(':id')
  get(@CurrentUser() caller: Principal, @Param() params: OrderIdParams) {
    return this.orders.get(caller, params.id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() caller: Principal, @Param() params: OrderIdParams) {
    return this.orders.cancel(caller, params.id);
  }
}
