import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  getSchemaPath,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
} from '@nestjs/swagger';
import { ProblemDetails, RESPONSE_HEADERS, headerRef, type ResponseHeader } from '../http/responses';

/** Every tag a controller uses, described (Redocly's recommended rules require it). */
const TAGS: Record<string, string> = {
  health: 'Liveness, readiness and Prometheus metrics, for load balancers and monitoring (no token)',
  'platform policy': 'Partner platforms ads may link to, link-eligible categories, the commercial-load cap',
  advertisers: 'Key-account advertisers: registration, verification, tier, suspension',
  'category approvals': "Compliance's approval of a product category for an advertiser",
  contracts: 'KA contracts: draft, four-eyes approval, signature, amendments, external links, lifecycle',
  campaigns: 'Campaigns under a contract: review, launch, budget, spend reports',
  audit: 'The finance audit API over the event log (finance_auditor only, read only)',
  'read models': 'KA client views and link permissions for downstream services (eventually consistent; X-Min-Position)',
  'lists and inboxes': 'Contracts, campaigns and advertisers by filter and search, and the four-eyes work queues',
  'downstream feeds': "Ad serving's hot path: the link-permission change feed and the campaign serving answer",
};

/** The statuses the one problem filter (http/problem.filter.ts) produces, and when. */
const PROBLEMS: Record<number, string> = {
  400: 'the request is not valid: an id, a query parameter, a header or the body (see `errors`)',
  401: 'no valid bearer token',
  403: 'the token lacks a role this route requires, or a four-eyes rule forbids this user',
  404: 'no such resource (or one the command refers to)',
  409: 'a business rule refuses the command; nothing was recorded',
  412: 'If-Match names a revision that is no longer current',
  413: 'the body is larger than BODY_LIMIT_BYTES',
  414: 'a path segment is longer than the router accepts',
  415: 'the body is not application/json',
  422: 'this Idempotency-Key was already used for a different request',
  429: 'too many requests from this token subject or address; wait for Retry-After',
  503: 'the store is unavailable or the service is shutting down; retry after Retry-After',
};

const problemRef = (status: number) => ({ $ref: `#/components/responses/Problem${status}` });

const headers = (...names: ResponseHeader[]) => Object.fromEntries(names.map((name) => [name, headerRef(name)]));

const problemContent = { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetails) } } };

const problemResponse = (status: number, description: string): ResponseObject => ({
  description,
  headers: headers('X-Correlation-Id', ...(status === 429 || status === 503 ? (['Retry-After'] as const) : [])),
  content: problemContent,
});

/**
 * The statuses a route can answer with, from what it takes: a token, path parameters, other
 * parameters, a body, the write headers. New routes get theirs without extra decorators; a route
 * documents its success response(s) itself.
 */
const problemStatuses = (method: string, operation: OperationObject): number[] => {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  // The rate limit counts every route, per token subject or, without one, per client address.
  const statuses = new Set([429, 503]);
  const add = (...more: number[]) => more.forEach((status) => statuses.add(status));
  if ((operation.security ?? []).length > 0) add(401, 403);
  if (parameters.some((p) => p.in === 'path')) add(400, 404, 414);
  if (parameters.some((p) => p.in === 'query' || (p.in === 'header' && p.name !== 'X-Correlation-Id'))) add(400);
  // Fastify parses a body on any of these methods, declared or not.
  if (method !== 'get') add(400, 413, 415);
  if (parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) add(404, 409, 412, 422);
  return [...statuses].sort();
};

const complete = (method: string, operation: OperationObject): void => {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const write = parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  // Routes marked @Public() carry no @ApiBearerAuth: say explicitly that they need no token.
  operation.security ??= [];
  const responses = operation.responses as Record<string, ResponseObject | ReferenceObject>;
  for (const status of problemStatuses(method, operation)) responses[status] ??= problemRef(status);
  for (const [status, response] of Object.entries(responses)) {
    if ('$ref' in response) continue;
    const code = Number(status);
    // A route's own error response keeps its description and gets the problem+json schema.
    if (code >= 400 && Object.values(response.content ?? {}).every((media) => media.schema === undefined)) {
      responses[status] = { ...problemResponse(code, response.description), ...response, content: problemContent };
      continue;
    }
    const extra: ResponseHeader[] = ['X-Correlation-Id'];
    if (code === 429 || code === 503) extra.push('Retry-After');
    if (code < 300 && write) extra.push('ETag', 'X-Event-Position', 'Idempotent-Replayed');
    if (code === 201 && write) extra.push('Location');
    response.headers = { ...headers(...extra), ...response.headers };
  }
};

/** The OpenAPI document of the application, as served at /docs and exported by scripts/openapi.ts. */
export const buildOpenApiDocument = (app: INestApplication): OpenAPIObject => {
  const builder = new DocumentBuilder()
    .setTitle('KA contracting API')
    .setDescription(
      'Direct key-account advertising: contracts, category approvals, external links, campaigns, audit. ' +
        'Errors are RFC 9457 problem+json (`ProblemDetails`) with a stable `code`.',
    )
    .setVersion('1')
    .setLicense(
      'UNLICENSED (proprietary: no licence is granted)',
      'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
    )
    .addServer('{scheme}://{host}', 'where the API runs (`npm start`: http://127.0.0.1:3000)', {
      scheme: { default: 'http', enum: ['http', 'https'] },
      host: { default: '127.0.0.1:3000' },
    })
    .addBearerAuth();
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemDetails] });
  document.components = {
    ...document.components,
    responses: Object.fromEntries(
      Object.entries(PROBLEMS).map(([status, description]) => [
        `Problem${status}`,
        problemResponse(Number(status), description),
      ]),
    ),
    headers: Object.fromEntries(
      Object.entries(RESPONSE_HEADERS).map(([name, { description }]) => [
        name,
        { description, schema: { type: 'string' } },
      ]),
    ),
  };
  const tags = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      complete(method, operation);
      operation.tags?.forEach((tag) => tags.add(tag));
    }
  }
  document.tags = [...tags].sort().map((name) => ({ name, description: TAGS[name]! }));
  return document;
};
