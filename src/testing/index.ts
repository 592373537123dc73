/**
 * `integration-hub/testing`: start a real hub in a Jest e2e suite, drive it, and assert what
 * came out. Guide: docs/testing.md.
 */
export { startHub, TEST_DEFAULTS } from './start-hub.js';
export type { Hub, HubEventInput, StartHubOptions } from './start-hub.js';
export { createReceiver } from './receiver.js';
export type { Receiver, ReceivedRequest, ReceiverOptions, ScriptedAnswer } from './receiver.js';
export { hubBacklog, waitForIdle } from './wait-for-idle.js';
export type { HubBacklog, IdleOptions } from './wait-for-idle.js';
export { waitFor } from './wait-for.js';
export { default as globalSetup, globalTeardown } from './global-setup.js';
export { FakeJira, FAKE_JIRA_STATUSES } from './fakes/jira/fake-jira.js';
export type {
  FakeJiraFault,
  FakeJiraIssue,
  FakeJiraOptions,
  FakeJiraRequest,
  FakeJiraStatus,
  FakeJiraTransition,
} from './fakes/jira/fake-jira.js';
export { FakeGitHub } from './fakes/github/fake-github.js';
export type {
  FakeGitHubFault,
  FakeGitHubIssue,
  FakeGitHubRequest,
} from './fakes/github/fake-github.js';
