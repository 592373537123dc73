import { artifactRefs, checkRefShapes, MAX_ARTIFACTS_PER_EVENT } from './artifact-refs.js';

const ID = '3f0c9a52-2d8e-4b7a-9a43-1c9e5b0d7e21';

describe('artifact references in event data', () => {
  it('reads only the {artifactId} items of data.artifacts, with their index', () => {
    expect(
      artifactRefs({ artifacts: ['a log line', { name: 'x' }, { artifactId: ID }, null] }),
    ).toEqual([{ index: 2, artifactId: ID }]);
    expect(artifactRefs({ artifacts: 'not a list' })).toEqual([]);
    expect(artifactRefs([{ artifactId: ID }])).toEqual([]);
    expect(artifactRefs(undefined)).toEqual([]);
  });

  it('names each malformed id by its field, under the batch index', () => {
    const { errors, refs } = checkRefShapes(
      { artifacts: [{ artifactId: ID }, { artifactId: 42 }, { artifactId: 'nope' }] },
      '[3].',
    );
    expect(refs).toEqual([{ index: 0, artifactId: ID }]);
    expect(errors.map((e) => e.field)).toEqual([
      '[3].data.artifacts[1].artifactId',
      '[3].data.artifacts[2].artifactId',
    ]);
  });

  it(`refuses more than ${MAX_ARTIFACTS_PER_EVENT} references in one event`, () => {
    const artifacts = Array.from({ length: MAX_ARTIFACTS_PER_EVENT + 1 }, () => ({
      artifactId: ID,
    }));
    expect(checkRefShapes({ artifacts }, '').errors).toEqual([
      { field: 'data.artifacts', message: `may name at most ${MAX_ARTIFACTS_PER_EVENT} artifacts` },
    ]);
  });
});
