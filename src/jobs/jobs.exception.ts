import { AppException } from '../common/http/app.exception.js';

export enum JobsErrorCode {
  JobNotFound = 'job-not-found',
  JobNotRetryable = 'job-not-retryable',
  JobNotCancellable = 'job-not-cancellable',
  JobDuplicate = 'job-duplicate',
  UnknownQueue = 'job-unknown-queue',
  InvalidJob = 'job-invalid',
}

export class JobsException extends AppException {
  static notFound(id: string) {
    return new JobsException(JobsErrorCode.JobNotFound, 404, `no job with id ${id}`);
  }
  static notRetryable(status: string) {
    return new JobsException(
      JobsErrorCode.JobNotRetryable,
      409,
      `only a failed or cancelled job can be retried; this one is ${status}`,
    );
  }
  static notCancellable(status: string) {
    return new JobsException(
      JobsErrorCode.JobNotCancellable,
      409,
      `only a pending job can be cancelled; this one is ${status}`,
    );
  }
  static duplicate() {
    return new JobsException(
      JobsErrorCode.JobDuplicate,
      409,
      'a pending job of the same queue already holds this dedupe key',
    );
  }
  /** A programming error (a typo in a queue name): thrown at boot or at the call. */
  static unknownQueue(queue: string) {
    return new JobsException(
      JobsErrorCode.UnknownQueue,
      500,
      `no @JobHandler for queue "${queue}"`,
    );
  }
  static invalid(detail: string) {
    return new JobsException(JobsErrorCode.InvalidJob, 500, detail);
  }
}
