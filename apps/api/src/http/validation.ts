import { ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { LruCache } from '#read-models';

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

/** The global ValidationPipe, remembering valid queries of DTOs marked with RememberValidQueries. */
export class ApiValidationPipe extends ValidationPipe {
  private readonly remembered = new WeakMap<object, LruCache<object>>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    const capacity = type === undefined ? undefined : (Reflect.getMetadata(REMEMBERED, type) as number | undefined);
    if (metadata.type !== 'query' || type === undefined || capacity === undefined) {
      return super.transform(value, metadata);
    }
    const key = JSON.stringify(value);
    if (key.length > MAX_REMEMBERED_KEY) return super.transform(value, metadata);
    let valid = this.remembered.get(type);
    if (valid === undefined) {
      valid = new LruCache(capacity);
      this.remembered.set(type, valid);
    }
    const known = valid.get(key);
    // Each request gets its own instance: a controller may change what it was given.
    if (known !== undefined) return Object.assign(Object.create(type.prototype as object) as object, known);
    const validated = (await super.transform(value, metadata)) as object;
    valid.set(key, { ...validated });
    return validated;
  }
}
