import { ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { LruCache } from '#read-models';
import { CONTROL_OR_LONE_SURROGATE } from './dto';

const REMEMBERED = Symbol('rememberValidQueries');

/** Longest query (as JSON) worth remembering: beyond it, validation runs every time. */
const MAX_REMEMBERED_KEY = 4_096;

/**
 * Marks a query DTO of a hot route whose validation depends on nothing but the query itself (string
 * fields, no transforms that read the clock or build mutable values): a query already found valid is
 * remembered, since its callers repeat the same ones (ad serving asks the same link check over and
 * over) and class-validator costs more than the answer from memory.
 */
export const RememberValidQueries =
  (capacity = 10_000): ClassDecorator =>
  (target) => {
    Reflect.defineMetadata(REMEMBERED, capacity, target);
  };

/** The name of the first query or path parameter (`name` or `name[1]`) whose text is not plain. */
const unplainParameter = (value: unknown, name: string): string | undefined => {
  if (typeof value === 'string') return CONTROL_OR_LONE_SURROGATE.test(value) ? name : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unplainParameter(item, `${name}[${index}]`);
      if (found !== undefined) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = unplainParameter(item, name === '' ? key : `${name}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
};

/**
 * The global ValidationPipe, remembering valid queries of DTOs marked with RememberValidQueries.
 * Every query and path parameter must be plain text, whatever its DTO says: a NUL or an unpaired
 * surrogate is a 400 naming it, never a query PostgreSQL refuses.
 */
export class ApiValidationPipe extends ValidationPipe {
  private readonly remembered = new WeakMap<object, LruCache<object>>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    const capacity = type === undefined ? undefined : (Reflect.getMetadata(REMEMBERED, type) as number | undefined);
    if (metadata.type !== 'query' || type === undefined || capacity === undefined) {
      return this.validatePlain(value, metadata);
    }
    const key = JSON.stringify(value);
    if (key.length > MAX_REMEMBERED_KEY) return this.validatePlain(value, metadata);
    let valid = this.remembered.get(type);
    if (valid === undefined) {
      valid = new LruCache(capacity);
      this.remembered.set(type, valid);
    }
    const known = valid.get(key);
    // Each request gets its own instance: a controller may change what it was given.
    if (known !== undefined) return Object.assign(Object.create(type.prototype as object) as object, known);
    const validated = (await this.validatePlain(value, metadata)) as object;
    valid.set(key, { ...validated });
    return validated;
  }

  /** The plain-text rule for query and path parameters, then class-validator. */
  private validatePlain(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' || metadata.type === 'param') {
      const parameter = unplainParameter(value, metadata.data ?? '');
      if (parameter !== undefined) {
        const error = Object.assign(new ValidationError(), {
          property: parameter,
          value,
          constraints: { plainText: `${parameter} must not contain control characters or unpaired surrogates` },
          children: [],
        });
        throw this.exceptionFactory([error]);
      }
    }
    return super.transform(value, metadata);
  }
}
