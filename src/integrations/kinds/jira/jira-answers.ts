import { answerShape, ID, listOf, OBJECT, objectWith, TEXT } from '../answer-shape.js';

const STATUS = objectWith({ id: ID, name: { type: 'string' } }, ['id', 'name']);

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
  issueStatus: answerShape(
    'GET /issue/{key}',
    objectWith({ fields: objectWith({ status: STATUS }) }),
  ),
  transitions: answerShape(
    'GET /issue/{key}/transitions',
    objectWith(
      {
        transitions: listOf(objectWith({ id: ID, name: { type: 'string' }, to: STATUS }, ['id'])),
      },
      ['transitions'],
    ),
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
