import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ValidationFailedException } from '../common/http/validation.js';
import { Checked, DeliveryService } from '../webhooks/index.js';
import { CreateTriggerDto, TestEventDto, WebhookActionDto } from './dto/trigger-requests.dto.js';
import type { TestSendResultDto } from './dto/trigger.dto.js';
import {
  DEFAULT_PAYLOAD_FORMAT,
  payloadEvent,
  PayloadFormat,
  TRIGGER_EVENT_TYPE,
  triggerPayloadFields,
} from './firing/trigger-payload.js';
import { filterProblems } from './matching/trigger-filter.js';
import { TriggerMetrics } from './metrics/trigger-metrics.js';
import { PlainAction, TriggerActionSecrets } from './trigger-action.js';
import { sealedOf, TriggersService } from './triggers.service.js';

type TriggerDescriptor = { id: string; name: string; payloadFormat: PayloadFormat };

/** Draft actions are sent through a short-lived target of this owner, removed right after. */
const DRAFT_OWNER = 'event-triggers.test';

/**
 * Test sends: the real payload shape, signed, sent now through the Webhooks pipeline's own
 * signing and attempt code, and answered with the attempt. A draft's placeholders are
 * swapped for the stored secret and headers (the receiver sees what a real firing sends).
 */
@Injectable()
export class TriggerTestSendService {
  constructor(
    private readonly triggers: TriggersService,
    private readonly secrets: TriggerActionSecrets,
    private readonly deliveries: DeliveryService,
    private readonly metrics: TriggerMetrics,
  ) {}

  async testSaved(
    id: string,
    body: { event?: TestEventDto; action?: WebhookActionDto },
  ): Promise<TestSendResultDto> {
    const row = await this.triggers.find(id);
    const trigger = { id: row.id, name: row.name, payloadFormat: row.payloadFormat };
    if (!body.action) return this.send('saved', row.targetId, trigger, body.event);
    return this.sendDraft(
      await this.secrets.resolve(body.action, sealedOf(row)),
      trigger,
      body.event,
    );
  }

  async testDraft(body: {
    trigger: CreateTriggerDto;
    event?: TestEventDto;
  }): Promise<TestSendResultDto> {
    const errors = filterProblems({
      matchers: body.trigger.matchers ?? [],
      filter: body.trigger.filter ?? {},
    }).map((e) => ({ ...e, field: `trigger.${e.field}` }));
    if (errors.length > 0) throw new ValidationFailedException(errors);
    const action = await this.secrets.resolve(body.trigger.action).catch((err: unknown) => {
      throw prefixFields(err, 'trigger.');
    });
    const trigger = {
      id: randomUUID(),
      name: body.trigger.name,
      payloadFormat: body.trigger.payloadFormat ?? DEFAULT_PAYLOAD_FORMAT,
    };
    return this.sendDraft(action, trigger, body.event);
  }

  private async sendDraft(
    action: Checked<PlainAction>,
    trigger: TriggerDescriptor,
    event?: TestEventDto,
  ): Promise<TestSendResultDto> {
    const key = randomUUID();
    const target = await this.deliveries.saveTarget(DRAFT_OWNER, key, action);
    try {
      return await this.send('draft', target.id, trigger, event);
    } finally {
      await this.deliveries.removeTarget(DRAFT_OWNER, key);
    }
  }

  private async send(
    kind: 'saved' | 'draft',
    targetId: string,
    trigger: TriggerDescriptor,
    given: TestEventDto = {},
  ): Promise<TestSendResultDto> {
    const now = new Date();
    const event = payloadEvent({
      id: '0',
      type: given.type ?? 'trigger.test',
      source: given.source ?? 'integration-hub',
      subject: given.subject ?? null,
      severity: given.severity ?? 'info',
      data: given.data ?? { message: 'Test firing from Integration Hub' },
      origin: null,
      occurredAt: now,
      createdAt: now,
      tx: '0',
    });
    const attempt = await this.deliveries.testSend(targetId, {
      eventType: TRIGGER_EVENT_TYPE,
      fields: triggerPayloadFields(trigger, event),
    });
    const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
    this.metrics.testSends.inc({ kind, result: ok ? 'ok' : 'failed' });
    return {
      ok,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      bodyExcerpt: attempt.responseBody,
      error: attempt.error,
      attemptedAt: new Date(attempt.startedAt).toISOString(),
    };
  }
}

/** A draft's field errors name their place in the request (`trigger.action.url`). */
function prefixFields(err: unknown, prefix: string): unknown {
  type Fields = { field: string; message: string }[];
  const e = err as { errors?: Fields; extra?: { errors?: Fields } };
  for (const list of [e.errors, e.extra?.errors])
    if (Array.isArray(list)) for (const f of list) f.field = `${prefix}${f.field}`;
  return err;
}
