import type { ArgumentsHost } from '@nestjs/common';
import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpException,
  Logger,
  NotFoundException,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { RpcErrorReply } from '@tessera/contracts';
import { IsEmail, IsString, MinLength } from 'class-validator';
import { lastValueFrom, type Observable } from 'rxjs';

import { ProblemFilter } from './problem.filter';
import { TesseraError } from './tessera-error';

class SignUpDto {
  @IsEmail()
  email!: string;

  @IsString()
  @MinLength(8)
  password!: string;
}

const SECRET = 'db password is hunter2 at /srv/app/x.ts:12';

@Controller()
class ThrowingController {
  @Get('domain')
  domain() {
    throw new TesseraError('token_expired', 401, 'The access token has expired.', {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }

  @Get('not-found')
  notFound() {
    throw new NotFoundException('No such order.');
  }

  @Get('forbidden')
  forbidden() {
    throw new ForbiddenException();
  }

  @Get('teapot')
  teapot() {
    throw new HttpException('short and stout', 418);
  }

  @Get('bug')
  bug() {
    throw new TypeError(SECRET);
  }

  @Get('internal')
  internal() {
    throw new TesseraError('internal_error', 500, SECRET);
  }

  @Get('unavailable')
  unavailable() {
    throw new TesseraError('nats_unavailable', 503, 'Try again shortly.', { 'Retry-After': '5' });
  }

  @Get('string')
  thrownString() {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what careless code does
    throw SECRET;
  }

  @Post('sign-up')
  signUp(@Body() body: SignUpDto) {
    return body;
  }
}

function rpcHost(): ArgumentsHost {
  return { getType: () => 'rpc' } as unknown as ArgumentsHost;
}

async function rpcReply(exception: unknown): Promise<RpcErrorReply> {
  const result = new ProblemFilter().catch(exception, rpcHost()) as Observable<never>;
  return lastValueFrom(result).then(
    () => {
      throw new Error('expected the reply to be an error');
    },
    (reply: RpcErrorReply) => reply,
  );
}

describe('ProblemFilter', () => {
  let app: NestFastifyApplication;
  let logged: jest.SpyInstance;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThrowingController] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
    app.useGlobalFilters(new ProblemFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => logged.mockRestore());

  afterAll(() => app?.close());

  describe('over HTTP', () => {
    it('answers a domain error with its status, code, message and headers as application/problem+json', async () => {
      const res = await app.inject({ method: 'GET', url: '/domain' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        code: 'token_expired',
        detail: 'The access token has expired.',
      });
      expect(logged).not.toHaveBeenCalled();
    });

    it('keeps the headers of a 503 domain error, such as Retry-After, without logging it as a bug', async () => {
      const res = await app.inject({ method: 'GET', url: '/unavailable' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ title: 'Service Unavailable', code: 'nats_unavailable' });
      expect(logged).not.toHaveBeenCalled();
    });

    it('maps Nest HTTP exceptions to a problem with a code derived from the status', async () => {
      const notFound = await app.inject({ method: 'GET', url: '/not-found' });
      expect(notFound.statusCode).toBe(404);
      expect(notFound.json()).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'not_found',
        detail: 'No such order.',
      });

      const forbidden = await app.inject({ method: 'GET', url: '/forbidden' });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json()).toMatchObject({ title: 'Forbidden', code: 'forbidden' });

      const teapot = await app.inject({ method: 'GET', url: '/teapot' });
      expect(teapot.statusCode).toBe(418);
      expect(teapot.json()).toEqual({
        type: 'about:blank',
        title: 'Client Error',
        status: 418,
        code: 'client_error',
        detail: 'short and stout',
      });
    });

    it('lists every validation error as a 400 validation_failed', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/sign-up',
        payload: { email: 'not-an-email', password: 'short', admin: true },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const body = res.json<{ errors: string[] }>();
      expect(body).toMatchObject({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        code: 'validation_failed',
        detail: 'The request is not valid.',
      });
      expect(body.errors).toEqual(
        expect.arrayContaining([
          expect.stringContaining('email'),
          expect.stringContaining('password'),
          expect.stringContaining('admin'),
        ]),
      );
      expect(body.errors).toHaveLength(3);
    });

    it('answers what Fastify refuses before the route (unparsable JSON, wrong media type) as a problem', async () => {
      const broken = await app.inject({
        method: 'POST',
        url: '/sign-up',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.headers['content-type']).toContain('application/problem+json');
      expect(broken.json()).toEqual({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        code: 'bad_request',
        detail: expect.stringContaining('JSON'),
      });

      const media = await app.inject({
        method: 'POST',
        url: '/sign-up',
        headers: { 'content-type': 'application/x-unknown' },
        payload: 'email=a',
      });
      expect(media.statusCode).toBe(415);
      expect(media.headers['content-type']).toContain('application/problem+json');
      expect(media.json()).toMatchObject({
        status: 415,
        title: 'Unsupported Media Type',
        code: 'unsupported_media_type',
      });
      expect(logged).not.toHaveBeenCalled();
    });

    it.each([
      ['a thrown Error', '/bug'],
      ['an internal_error domain error', '/internal'],
      ['a thrown non-Error', '/string'],
    ])('answers %s with a bare 500 that tells nothing of it, and logs it with the request id', async (_name, url) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        code: 'internal_error',
      });
      expect(res.body).not.toContain('hunter2');
      expect(res.body).not.toContain('x.ts');
      expect(res.body).not.toContain('stack');
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0][0]).toMatchObject({ msg: 'unhandled error', requestId: expect.any(String) });
    });
  });

  describe('over NATS', () => {
    it('turns a domain error into an RpcErrorReply with the same status and code', async () => {
      await expect(rpcReply(new TesseraError('order_not_found', 404, 'No such order.'))).resolves.toEqual({
        status: 404,
        code: 'order_not_found',
        message: 'No such order.',
      });
      await expect(rpcReply(new ForbiddenException())).resolves.toEqual({
        status: 403,
        code: 'forbidden',
        message: 'Forbidden',
      });
      expect(logged).not.toHaveBeenCalled();
    });

    it('turns a bug into a bare internal_error reply, logged and not described', async () => {
      const reply = await rpcReply(new TypeError(SECRET));
      expect(reply).toEqual({ status: 500, code: 'internal_error', message: 'Internal Server Error' });
      expect(logged).toHaveBeenCalledTimes(1);
    });
  });
});
