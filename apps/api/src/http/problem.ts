/** RFC 9457 problem details. `code` is a stable machine-readable extension clients may branch on. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
  readonly instance?: string;
  readonly errors?: readonly { readonly field: string; readonly messages: readonly string[] }[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problem = (
  status: number,
  fields: Omit<Problem, 'status' | 'title' | 'type'> & { type?: string; title?: string },
): Problem => ({
  type: fields.type ?? (fields.code ? `urn:ka:problem:${fields.code.toLowerCase().replace(/_/g, '-')}` : 'about:blank'),
  title: fields.title ?? TITLES[status] ?? 'Error',
  status,
  ...fields,
});

/** Thrown by the HTTP layer for failures that are not domain decisions (stale If-Match, bad header...). */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}
