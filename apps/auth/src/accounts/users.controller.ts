import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tessera/auth';
import { ApiProblem } from '@tessera/platform';

import { JsonBodyGuard } from '../http/json-body.guard';
import { PublicUserDto } from './dto/public-user.response';
import { RegisterDto } from './dto/register.dto';
import type { PublicUser } from './users.service';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('auth')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** 201 `{id,email,roles}`; 409 `email_taken`; 400 `password_too_common`, or for anything else in the body. */
  @Public()
  @Post('register')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Create an account',
    description: 'The account gets the role `user`; a registration can never set roles.',
  })
  @ApiCreatedResponse({ type: PublicUserDto })
  @ApiProblem(
    400,
    '`validation_failed`: a field is invalid, or the body has an unknown one (such as `roles`). ' +
      '`password_too_common`: the password is a common or breached one, or the email address.',
  )
  @ApiProblem(409, '`email_taken`: an account with this email address exists.')
  @ApiProblem(415, '`unsupported_media_type`: the body is not application/json.')
  register(@Body() dto: RegisterDto): Promise<PublicUser> {
    return this.users.register(dto);
  }
}
