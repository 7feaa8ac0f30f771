import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { CurrentUser, type Principal } from '@tessera/auth';
import type { FastifyRequest } from 'fastify';

import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(201)
  place(@CurrentUser() caller: Principal, @Body() dto: CreateOrderDto, @Req() request: FastifyRequest) {
    return this.orders.place(caller, dto, request.id);
  }

  @Get()
  list(@CurrentUser() caller: Principal, @Query() query: ListOrdersQuery) {
    return this.orders.list(caller, query.limit);
  }
}
