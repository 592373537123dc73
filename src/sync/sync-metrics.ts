import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';

/** Prometheus metrics of the sync module (no per-app labels: app ids are unbounded). */
@Injectable()
export class SyncMetrics {
  readonly pushes: Counter<'outcome'>;
  readonly changes: Counter<'result'>;
  readonly pushDuration: Histogram;
  readonly openStreams: Gauge;
  readonly tailErrors: Counter;
  readonly streamsDropped: Counter<'reason'>;
  readonly streamsRefused: Counter<'reason'>;
  readonly streamBufferedBytes: Gauge;
  /** Set by the stream hub: the unsent bytes of every open stream, read at scrape time. */
  bufferedBytes: () => number = () => 0;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.pushes = new Counter({
      name: 'sync_pushes_total',
      help: 'Sync pushes by outcome (applied, replayed, refused; raced: a try that ran again)',
      labelNames: ['outcome'],
      registers,
    });
    this.changes = new Counter({
      name: 'sync_changes_total',
      help: 'Pushed changes by result (effective, no_effect, duplicate)',
      labelNames: ['result'],
      registers,
    });
    this.pushDuration = new Histogram({
      name: 'sync_push_duration_seconds',
      help: 'Time to apply a push, transaction included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.openStreams = new Gauge({
      name: 'sync_open_streams',
      help: 'Open sync SSE streams on this instance',
      registers,
    });
    this.tailErrors = new Counter({
      name: 'sync_stream_tail_errors_total',
      help: 'Failed reads of the change log by the live stream fan-out (retried every 200 ms)',
      registers,
    });
    this.streamsDropped = new Counter({
      name: 'sync_streams_dropped_total',
      help: 'Sync SSE streams the server ended early, by reason (slow-client: too much unsent output)',
      labelNames: ['reason'],
      registers,
    });
    this.streamsRefused = new Counter({
      name: 'sync_streams_refused_total',
      help: 'Sync SSE streams refused with 429, by reason (too-many-streams: per-user cap)',
      labelNames: ['reason'],
      registers,
    });
    const bufferedBytes = () => this.bufferedBytes();
    this.streamBufferedBytes = new Gauge({
      name: 'sync_stream_buffered_bytes',
      help: 'Bytes written to open sync streams and not yet taken by their clients (this process)',
      registers,
      collect() {
        this.set(bufferedBytes());
      },
    });
  }
}
