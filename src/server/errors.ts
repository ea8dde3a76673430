// Every error a client may see carries a stable code. The HTTP layer turns AppError into
// { error: { code, message, fields? } } with the status given here; anything else is a 500
// whose details stay in the log.

export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { fields?: FieldErrors; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = opts.fields;
    this.headers = opts.headers;
  }
}

export const notFound = (what = "Not found") => new AppError(404, "not_found", what);

export const validationFailed = (fields: FieldErrors, message = "Some fields need attention.") =>
  new AppError(400, "validation_failed", message, { fields });

export const forbidden = (message = "You may not do that.") => new AppError(403, "forbidden", message);

export const conflict = (code: string, message: string, fields?: FieldErrors) =>
  new AppError(409, code, message, fields ? { fields } : {});

export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError(429, "rate_limited", message, {
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
