import { answerShape, ID, listOf, OBJECT, objectWith } from '../answer-shape.js';

const NUMBER = { type: 'integer', minimum: 1 } as const;

/** The GitHub answers the connector reads (REST 2022-11-28), only the fields it reads. */
export const GITHUB = {
  user: answerShape('GET /user', OBJECT),
  repo: answerShape('GET /repos/{owner}/{repo}', objectWith({ has_issues: { type: 'boolean' } })),
  issues: answerShape(
    'GET /repos/{owner}/{repo}/issues',
    listOf(objectWith({ number: NUMBER }, ['number'])),
  ),
  created: answerShape('the created issue', objectWith({ number: NUMBER }, ['number'])),
  comments: answerShape(
    'GET .../issues/{number}/comments',
    listOf(objectWith({ id: ID, body: { type: ['string', 'null'] } }, ['id'])),
  ),
  createdComment: answerShape('the created comment', objectWith({ id: ID }, ['id'])),
} as const;
