import { Body, Controller, Post } from '@nestjs/common';
import { Public } from '@tessera/auth';

import { RegisterDto } from './dto/register.dto';
import type { PublicUser } from './users.service';
import { UsersService } from './users.service';

@Controller('auth')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** 201 `{id,email,roles}`; 409 `email_taken`; 400 for anything else in the body. */
  @Public()
  @Post('register')
  register(@Body() dto: RegisterDto): Promise<PublicUser> {
    return this.users.register(dto);
  }
}
