import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal, Roles, Scopes } from '@tessera/auth';
import { Role, Scope } from '@tessera/contracts';
import { ApiProblem } from '@tessera/platform';
import type { FastifyRequest } from 'fastify';

import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { OrderIdParams } from './dto/order-id.params';
import { OrderDto, OrderPageDto } from './dto/order.response';
import { OrdersService } from './orders.service';

/** Orders belong to people: a service token (no user role) gets 403, never someone's orders. */
@ApiTags('orders')
@ApiProblem(
  403,
  "`insufficient_scope`: not a user's token (a service token has no `user` role), or one without the route's scope.",
)
@Controller('orders')
@Roles(Role.User, Role.Admin)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Scopes(Scope.OrdersWrite)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Place an order',
    description:
      'The total is computed here, never taken from the client; the shipping address is asked of profile ' +
      "over NATS, with this service's own token.",
  })
  @ApiCreatedResponse({ type: OrderDto, description: 'The order, with `status: "placed"`.' })
  @ApiProblem(400, '`validation_failed`: the items are invalid, or the body has an unknown field.')
  @ApiProblem(422, "`no_shipping_address`: the caller's profile has no shipping address.")
  @ApiProblem(502, '`upstream_invalid_reply`: profile answered something invalid.')
  @ApiProblem(
    503,
    '`service_token_unavailable` (this service could not get its own token) or `upstream_unavailable` (profile is down).',
  )
  @ApiProblem(504, '`upstream_timeout`: profile did not answer in time.')
  place(@CurrentUser() caller: Principal, @Body() dto: CreateOrderDto, @Req() request: FastifyRequest) {
    return this.orders.place(caller, dto, request.id);
  }

  @Get()
  @Scopes(Scope.OrdersRead)
  @ApiOperation({
    summary: "The caller's orders, newest first, a page at a time; with `all=true` every user's (admins)",
  })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiProblem(400, '`validation_failed` for a bad parameter; `invalid_cursor` for a bad `cursor`.')
  @ApiProblem(403, "`insufficient_scope`: not a user's token, or `all=true` without the `admin` role.")
  list(@CurrentUser() caller: Principal, @Query() query: ListOrdersQuery) {
    return this.orders.list(caller, query);
  }

  @Get(':id')
  @Scopes(Scope.OrdersRead)
  @ApiOperation({ summary: "One order: the caller's own, or any for an admin" })
  @ApiOkResponse({ type: OrderDto })
  @ApiProblem(400, '`validation_failed`: the id is not a UUID.')
  @ApiProblem(404, "`order_not_found`: no such order, or another user's (the same answer).")
  get(@CurrentUser() caller: Principal, @Param() params: OrderIdParams) {
    return this.orders.get(caller, params.id);
  }

  @Post(':id/cancel')
  @Scopes(Scope.OrdersWrite)
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a placed order' })
  @ApiOkResponse({ type: OrderDto, description: 'The order, with `status: "cancelled"`.' })
  @ApiProblem(400, '`validation_failed`: the id is not a UUID.')
  @ApiProblem(404, "`order_not_found`: no such order, or another user's (the same answer).")
  @ApiProblem(409, '`order_not_cancellable`: the order is no longer placed.')
  cancel(@CurrentUser() caller: Principal, @Param() params: OrderIdParams) {
    return this.orders.cancel(caller, params.id);
  }
}
