import { Logger } from '@nestjs/common';
import { DrizzleQueryError } from 'drizzle-orm';

import { createServiceLogger } from './logger';
import { NestPinoLogger } from './nest-pino-logger';
import { describeError, describeStack, errorMessage, isDatabaseError } from './safe-error';

const address = { line1: '221B Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };
const email = 'someone.private@example.test';

/** What pg and PGlite throw for a failed statement (their DatabaseError's fields). */
function driverError(): Error {
  return Object.assign(new Error(`invalid input syntax for type json: "${address.line1}"`), {
    severity: 'ERROR',
    code: '23514',
    constraint: 'profiles_address_check',
    table: 'profiles',
    detail: `Failing row contains (${email}, ${JSON.stringify(address)}).`,
    query: 'update "profiles" set "shipping_address" = $1',
    params: [JSON.stringify(address)],
  });
}

function failedQuery(): DrizzleQueryError {
  return new DrizzleQueryError(
    'update "profiles" set "shipping_address" = $1, "email" = $2',
    [JSON.stringify(address), email],
    driverError(),
  );
}

describe('failed database queries in log lines', () => {
  it('are recognised through drizzle and the driver, and other errors are not', () => {
    expect(isDatabaseError(failedQuery())).toBe(true);
    expect(isDatabaseError(driverError())).toBe(true);
    expect(isDatabaseError(new Error('boom', { cause: failedQuery() }))).toBe(true);
    expect(isDatabaseError(new Error('boom'))).toBe(false);
    expect(describeError(new TypeError('boom'))).toBe('TypeError: boom');
    expect(errorMessage(new TypeError('boom'))).toBe('boom');
    expect(errorMessage(failedQuery())).toBe(
      'database query failed (code 23514, constraint profiles_address_check, table profiles)',
    );
  });

  it('are described by SQLSTATE, constraint and table only, stack included', () => {
    const error = failedQuery();
    expect(describeError(error)).toBe(
      'DatabaseError: database query failed (code 23514, constraint profiles_address_check, table profiles)',
    );
    const stack = describeStack(error) ?? '';
    expect(stack.split('\n')[0]).toBe(describeError(error));
    expect(stack).toMatch(/\n\s+at /);
    for (const value of [email, address.line1, address.postalCode, 'Failed query', 'params']) {
      expect(stack).not.toContain(value);
    }
  });

  it('never put a parameter, query or driver detail on a line, whichever logger writes it', () => {
    const lines: string[] = [];
    const pino = createServiceLogger({ service: 'probe', level: 'info', destination: { write: (l) => lines.push(l) } });
    pino.error({ err: failedQuery() }, 'write failed');
    pino.error({ err: new Error('wrapped', { cause: failedQuery() }) }, 'write failed');
    new NestPinoLogger(pino).error(failedQuery());
    const nest = new Logger('Probe');
    Logger.overrideLogger(new NestPinoLogger(pino));
    nest.error({ msg: 'write failed', error: describeError(failedQuery()) }, describeStack(failedQuery()));
    Logger.overrideLogger(false);
    pino.info({ email, shippingAddress: address }, 'fields named after personal data');
    expect(lines).toHaveLength(5);
    const text = lines.join('\n');
    for (const value of [email, address.line1, address.city, address.postalCode, 'Failed query', 'Failing row']) {
      expect(text).not.toContain(value);
    }
    for (const line of lines.slice(0, 4)) {
      expect(line).toContain('23514');
      expect(line).toContain('profiles_address_check');
    }
  });
});
