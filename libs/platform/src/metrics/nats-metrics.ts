import type { Histogram } from 'prom-client';

import type { CellCounter, CounterCell, Metrics } from './metrics';

/**
 * How a NATS request ended: `ok`; `rejected`, an error reply below 500 (401, 403, 404, 400);
 * `error`, an error reply of 500 or more; and on the calling side `timeout`, `unavailable`
 * (nobody subscribed) or `invalid_reply` (not the contract's reply).
 */
export type NatsOutcome = 'ok' | 'rejected' | 'error' | 'timeout' | 'unavailable' | 'invalid_reply';

/** The outcome of a reply with this error status (undefined: no error). */
export function natsOutcomeOf(status: number | undefined): NatsOutcome {
  return status === undefined ? 'ok' : status < 500 ? 'rejected' : 'error';
}

interface Child {
  observe(seconds: number): void;
}

/** Histogram children by subject and outcome, each made once: nothing allocated per message. */
class ChildrenBySubject {
  private readonly children = new Map<string, Map<NatsOutcome, Child>>();

  constructor(private readonly histogram: Histogram<'subject' | 'outcome'>) {}

  observe(subject: string, outcome: NatsOutcome, seconds: number): void {
    let byOutcome = this.children.get(subject);
    if (!byOutcome) {
      byOutcome = new Map();
      this.children.set(subject, byOutcome);
    }
    let child = byOutcome.get(outcome);
    if (!child) {
      child = this.histogram.labels(subject, outcome);
      byOutcome.set(outcome, child);
    }
    child.observe(seconds);
  }
}

/**
 * Latency of NATS request/reply, on both sides: the handlers of this service (by the subject
 * they serve, without namespace) and the requests it sends through NatsRpcClient.
 */
export class NatsMetrics {
  private readonly handlers: ChildrenBySubject;
  private readonly requests: ChildrenBySubject;
  private readonly retries: CellCounter<'subject'>;
  private readonly retryCells = new Map<string, CounterCell>();

  constructor(metrics: Metrics) {
    this.handlers = new ChildrenBySubject(
      metrics.histogram({
        name: 'tessera_nats_handler_duration_seconds',
        help: 'Time from a NATS request arriving to its reply, by subject and outcome.',
        labelNames: ['subject', 'outcome'],
      }),
    );
    this.requests = new ChildrenBySubject(
      metrics.histogram({
        name: 'tessera_nats_client_request_duration_seconds',
        help: 'Time from sending a NATS request to its reply (or giving up), by subject and outcome.',
        labelNames: ['subject', 'outcome'],
      }),
    );
    this.retries = metrics.cellCounter({
      name: 'tessera_nats_client_retries_total',
      help: 'Idempotent NATS requests sent a second time after no responder or a timeout, by subject.',
      labelNames: ['subject'],
    });
  }

  handled(subject: string, outcome: NatsOutcome, seconds: number): void {
    this.handlers.observe(subject, outcome, seconds);
  }

  requested(subject: string, outcome: NatsOutcome, seconds: number): void {
    this.requests.observe(subject, outcome, seconds);
  }

  retried(subject: string): void {
    let cell = this.retryCells.get(subject);
    if (!cell) {
      cell = this.retries.cell({ subject });
      this.retryCells.set(subject, cell);
    }
    cell.value++;
  }
}
