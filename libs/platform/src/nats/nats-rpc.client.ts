import { performance } from 'node:perf_hooks';

import type { OnApplicationShutdown } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, IDEMPOTENT_SUBJECTS, isRpcErrorReply } from '@tessera/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';

import { TesseraError } from '../errors/tessera-error';
import { currentRequestId } from '../logging/request-context';
import type { NatsMetrics, NatsOutcome } from '../metrics/nats-metrics';
import { natsOutcomeOf } from '../metrics/nats-metrics';
import { NamespacedClientNats } from './namespaced-nats';
import { natsConnectOptions } from './nats-connect-options';
import type { NatsConnectionOptions } from './nats-connection.service';

export interface RpcCallOptions {
  /** A full `Bearer <token>` value to send in the `authorization` header. */
  authorization?: string;
  /** The `x-request-id` to send; by default the id of the request being served (if any). */
  requestId?: string;
  /** The whole deadline, both attempts included (the client's default when unset). */
  timeoutMs?: number;
  /**
   * Whether sending the request twice is harmless; by default, whether the subject is in
   * IDEMPOTENT_SUBJECTS (@tessera/contracts). Only idempotent requests are retried.
   */
  idempotent?: boolean;
}

/** Nobody is subscribed to the subject: the service behind it is down. */
export class UpstreamUnavailableError extends TesseraError {
  constructor(subject: string) {
    super('upstream_unavailable', 503, `The service behind ${subject} is unavailable.`);
  }
}

/** The service behind the subject is there but did not answer in time. */
export class UpstreamTimeoutError extends TesseraError {
  constructor(subject: string) {
    super('upstream_timeout', 504, `The service behind ${subject} did not answer in time.`);
  }
}

/** The other side answered, but not with the contract's reply. */
export class UpstreamInvalidReplyError extends TesseraError {
  constructor(subject: string) {
    super('upstream_invalid_reply', 502, `The service behind ${subject} sent an invalid reply.`);
  }
}

/** The share of the deadline the first attempt of a retried request gets; the retry has the rest. */
export const FIRST_ATTEMPT_SHARE = 0.5;

/** Whether a failed attempt of an idempotent request may be sent again: nobody answered it. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamTimeoutError || error instanceof UpstreamUnavailableError;
}

/**
 * Request/reply over the NATS transport. A structured error reply from the other side comes
 * back as a TesseraError with the same status and code, so a 401/403/404 stays itself.
 */
@Injectable()
export class NatsRpcClient implements OnApplicationShutdown {
  private readonly logger = new Logger('NatsRpc');
  private readonly client: NamespacedClientNats;
  private readonly timeoutMs: number;

  constructor(
    options: NatsConnectionOptions,
    private readonly metrics?: NatsMetrics,
  ) {
    this.timeoutMs = options.requestTimeoutMs ?? 2000;
    // ClientNats makes each request's reply subject from `inboxPrefix` (createInbox).
    this.client = new NamespacedClientNats(natsConnectOptions(options, `${options.name}-rpc`), options.namespace);
  }

  /** Sends `payload` and returns the reply, validated against the contract's reply class. */
  async request<TReply extends object>(
    subject: string,
    payload: object,
    replyType: new () => TReply,
    options: RpcCallOptions = {},
  ): Promise<TReply> {
    const started = performance.now();
    let outcome: NatsOutcome = 'ok';
    try {
      const raw = await this.sendWithRetry(subject, payload, options, started);
      const reply = plainToInstance(replyType, raw);
      if (
        typeof raw !== 'object' ||
        raw === null ||
        (await validate(reply, { forbidUnknownValues: true })).length > 0
      ) {
        throw new UpstreamInvalidReplyError(subject);
      }
      return reply;
    } catch (e) {
      outcome = outcomeOf(e);
      throw e;
    } finally {
      this.metrics?.requested(subject, outcome, (performance.now() - started) / 1000);
    }
  }

  /**
   * An idempotent request's first attempt gets FIRST_ATTEMPT_SHARE of the deadline; if nobody
   * answered (no responder, or a replica that died or froze with the request), it is sent once
   * more with what is left. The queue group picks a replica at random, so the retry usually,
   * not always, lands on another one.
   */
  private async sendWithRetry(
    subject: string,
    payload: object,
    options: RpcCallOptions,
    started: number,
  ): Promise<unknown> {
    const deadlineMs = options.timeoutMs ?? this.timeoutMs;
    if (!(options.idempotent ?? IDEMPOTENT_SUBJECTS.has(subject))) {
      return this.send(subject, payload, options, deadlineMs);
    }
    // The same request id on both attempts, even when the retry runs outside the request context.
    const retryOptions = { ...options, requestId: options.requestId ?? currentRequestId() };
    try {
      return await this.send(subject, payload, retryOptions, Math.ceil(deadlineMs * FIRST_ATTEMPT_SHARE));
    } catch (e) {
      const leftMs = Math.floor(deadlineMs - (performance.now() - started));
      if (!isRetryable(e) || leftMs <= 0) {
        throw e;
      }
      this.metrics?.retried(subject);
      return this.send(subject, payload, retryOptions, leftMs);
    }
  }

  private async send(subject: string, payload: object, options: RpcCallOptions, timeoutMs: number): Promise<unknown> {
    const h = natsHeaders();
    if (options.authorization) {
      h.set(Headers.Authorization, options.authorization);
    }
    const requestId = options.requestId ?? currentRequestId();
    if (requestId) {
      h.set(Headers.RequestId, requestId);
    }
    const record = new NatsRecordBuilder(payload).setHeaders(h).build();
    try {
      return await firstValueFrom(this.client.send<unknown>(subject, record).pipe(timeout(timeoutMs)));
    } catch (e) {
      if (isRpcErrorReply(e)) {
        throw new TesseraError(e.code, e.status, e.message);
      }
      if (e instanceof TimeoutError) {
        throw new UpstreamTimeoutError(subject);
      }
      this.logger.warn(`request on ${subject} failed: ${e instanceof Error ? e.message : String(e)}`);
      throw new UpstreamUnavailableError(subject);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

function outcomeOf(error: unknown): NatsOutcome {
  if (error instanceof UpstreamTimeoutError) {
    return 'timeout';
  }
  if (error instanceof UpstreamUnavailableError) {
    return 'unavailable';
  }
  if (error instanceof UpstreamInvalidReplyError) {
    return 'invalid_reply';
  }
  return natsOutcomeOf(error instanceof TesseraError ? error.status : 500);
}
