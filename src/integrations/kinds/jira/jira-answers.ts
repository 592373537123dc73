import { answerShape, ID, listOf, OBJECT, objectWith, TEXT } from '../answer-shape.js';

const STATUS = objectWith({ id: ID, name: { type: 'string' } }, ['id', 'name']);
const TRANSITIONS = listOf(objectWith({ id: ID, name: { type: 'string' }, to: STATUS }, ['id']));

/** The Jira answers the connector reads (REST v3), only the fields it reads. */
export const JIRA = {
  myself: answerShape('GET /myself', objectWith({ displayName: { type: 'string' } })),
  project: answerShape('GET /project/{key}', OBJECT),
  statuses: answerShape(
    'GET /project/{key}/statuses',
    listOf(objectWith({ name: TEXT, statuses: listOf(STATUS) }, ['name', 'statuses'])),
  ),
  search: answerShape(
    'GET /search/jql',
    objectWith({ issues: listOf(objectWith({ id: ID, key: TEXT }, ['id', 'key'])) }, ['issues']),
  ),
  created: answerShape('the created issue', objectWith({ id: ID, key: TEXT }, ['id', 'key'])),
  /** With expand=transitions: the list is read when present (a server may ignore the expand). */
  issueStatus: answerShape(
    'GET /issue/{key}',
    objectWith({ fields: objectWith({ status: STATUS }), transitions: TRANSITIONS }),
  ),
  transitions: answerShape(
    'GET /issue/{key}/transitions',
    objectWith({ transitions: TRANSITIONS }, ['transitions']),
  ),
  comments: answerShape(
    'GET /issue/{key}/comment',
    objectWith(
      {
        comments: listOf(
          objectWith(
            {
              id: ID,
              properties: listOf(objectWith({ key: { type: 'string' } }, ['key'])),
            },
            ['id'],
          ),
        ),
      },
      ['comments'],
    ),
  ),
  createdComment: answerShape('the created comment', objectWith({ id: ID }, ['id'])),
} as const;
