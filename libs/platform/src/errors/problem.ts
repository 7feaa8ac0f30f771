import { HttpException, HttpStatus } from '@nestjs/common';

import { TesseraError } from './tessera-error';

/** RFC 9457 problem details, plus the machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: string[];
}

export interface ProblemWithHeaders {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error was not one of ours: log it, show nothing of it. */
  unexpected: boolean;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function title(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

function codeFor(status: number): string {
  return title(status)
    .toLowerCase()
    .replace(/[^a-z]+/g, '_');
}

function fromHttpException(e: HttpException): ProblemWithHeaders {
  const status = e.getStatus();
  const response = e.getResponse();
  const problem: Problem = { type: 'about:blank', title: title(status), status, code: codeFor(status) };
  if (typeof response === 'object' && response !== null) {
    const message = (response as { message?: unknown }).message;
    if (Array.isArray(message)) {
      problem.code = status === 400 ? 'validation_failed' : problem.code;
      problem.detail = 'The request is not valid.';
      problem.errors = message.map(String);
    } else if (typeof message === 'string') {
      problem.detail = message;
    }
  } else if (typeof response === 'string') {
    problem.detail = response;
  }
  return { problem, headers: {}, unexpected: status >= 500 };
}

/** Errors Fastify raises before a route runs (bad JSON, body too large, wrong media type). */
function fromFrameworkError(e: Error & { statusCode: number; code?: unknown }): ProblemWithHeaders {
  const status = e.statusCode;
  const detail =
    status === 413
      ? 'The request body is too large.'
      : status === 415
        ? 'Unsupported content type; send application/json.'
        : 'The request could not be parsed.';
  return {
    problem: { type: 'about:blank', title: title(status), status, code: codeFor(status), detail },
    headers: {},
    unexpected: false,
  };
}

function isClientFrameworkError(e: unknown): e is Error & { statusCode: number } {
  const status: unknown = e instanceof Error ? Reflect.get(e, 'statusCode') : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function toProblem(exception: unknown): ProblemWithHeaders {
  if (exception instanceof TesseraError) {
    const unexpected = exception.status >= 500 && exception.code === 'internal_error';
    const problem: Problem = {
      type: 'about:blank',
      title: title(exception.status),
      status: exception.status,
      code: exception.code,
    };
    // An internal_error is a bug report for the log, not for the caller (as OAuthErrorFilter does).
    if (!unexpected) {
      problem.detail = exception.message;
    }
    return { problem, headers: exception.headers, unexpected };
  }
  if (exception instanceof HttpException) {
    return fromHttpException(exception);
  }
  if (isClientFrameworkError(exception)) {
    return fromFrameworkError(exception);
  }
  const status = HttpStatus.INTERNAL_SERVER_ERROR;
  return {
    problem: { type: 'about:blank', title: title(status), status, code: 'internal_error' },
    headers: {},
    unexpected: true,
  };
}
