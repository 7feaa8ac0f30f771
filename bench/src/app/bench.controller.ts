import { Controller, Get } from '@nestjs/common';

/** The small JSON route of scenarios 1, 2 and 7: all the cost around it is the framework's and the guard's. */
@Controller('bench')
export class BenchController {
  @Get('hello')
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}
