// What a team publishing card events writes: start a real hub, subscribe a receiver,
// publish an event, and assert the signed webhook arrived.
import { createReceiver, startHub, waitForIdle } from 'integration-hub/testing';

let hub;
let receiver;

beforeAll(async () => {
  hub = await startHub();
  receiver = await createReceiver();
  const res = await fetch(`${hub.url}/webhooks/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, eventTypes: ['card.*'], secret: receiver.secret }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await receiver?.close();
  await hub?.stop();
});

test('a published card event arrives as a signed webhook', async () => {
  await hub.publish({
    type: 'card.created',
    source: 'kanban',
    subject: 'card-1',
    data: { title: 'Ship it' },
  });
  const [webhook] = await receiver.waitFor((r) => r.json?.type === 'card.created');
  expect(webhook.verified).toBe(true);
  expect(webhook.json).toMatchObject({ type: 'card.created', data: { title: 'Ship it' } });
});

test('a receiver that fails twice still gets the event, once the hub is idle', async () => {
  receiver.failNext(2);
  await hub.publish({
    type: 'card.moved',
    source: 'kanban',
    subject: 'card-1',
    data: { column: 'done' },
  });
  await waitForIdle(hub);
  const attempts = receiver.requests.filter((r) => r.json?.type === 'card.moved');
  expect(attempts.map((r) => r.answeredStatus)).toEqual([500, 500, 200]);
});
