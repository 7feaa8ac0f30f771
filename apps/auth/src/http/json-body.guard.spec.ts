import type { ExecutionContext } from '@nestjs/common';
import { Body, Controller, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { JsonBodyRequiredError, ProblemFilter } from '@tessera/platform';
import { IsEmail, IsString } from 'class-validator';

import { JsonBodyGuard } from './json-body.guard';

function contextWith(contentType: string | undefined): ExecutionContext {
  const headers = contentType === undefined ? {} : { 'content-type': contentType };
  return { switchToHttp: () => ({ getRequest: () => ({ headers }) }) } as unknown as ExecutionContext;
}

class LoginDto {
  @IsEmail()
  email!: string;

  @IsString()
  password!: string;
}

@Controller('auth')
class LoginController {
  @Post('login')
  @UseGuards(JsonBodyGuard)
  login(@Body() body: LoginDto) {
    return { email: body.email };
  }
}

describe('JsonBodyGuard', () => {
  const guard = new JsonBodyGuard();

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    ' application/json ;charset=UTF-8',
  ])('lets %j through', (type) => {
    expect(guard.canActivate(contextWith(type))).toBe(true);
  });

  it.each([
    ['an HTML form', 'application/x-www-form-urlencoded'],
    ['a multipart form', 'multipart/form-data; boundary=x'],
    ['plain text', 'text/plain'],
    // The service parses only application/json; a structured-syntax suffix is not let in either.
    ['a +json media type', 'application/merge-patch+json'],
    ['a look-alike', 'application/jsonp'],
    ['no content type', undefined],
  ])('refuses %s with 415 unsupported_media_type', (_name, type) => {
    let thrown: unknown;
    try {
      guard.canActivate(contextWith(type));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(JsonBodyRequiredError);
    expect(thrown).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      message: 'Send the body as application/json.',
    });
  });

  describe('on a route', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({ controllers: [LoginController] }).compile();
      app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
      app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
      app.useGlobalFilters(new ProblemFilter());
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    });

    afterAll(() => app?.close());

    it('answers a cross-site form post with a 415 problem, before the body is validated', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=victim%40example.com&password=attacker-password',
      });
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Unsupported Media Type',
        status: 415,
        code: 'unsupported_media_type',
        detail: 'Send the body as application/json.',
      });
    });

    it('hands a JSON body on to the route', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'ada@example.com', password: 'x' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ email: 'ada@example.com' });
    });
  });
});
