import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from './problem';

/** Deeper than any body this API takes (its deepest is 3), shallow enough for every recursive step after parsing. */
export const MAX_JSON_DEPTH = 32;
/**
 * Values (object members, array items, and every object or array) in one body. The largest valid
 * body holds about 250 (a contract with 100 categories and 100 platforms); each value costs
 * transformation and validation, and 9,900 unknown members took 0.25 s of CPU per request.
 */
export const MAX_JSON_ELEMENTS = 2_000;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const malformed = (detail: string) => new ProblemException(400, 'MALFORMED_BODY', detail);

/**
 * Checks nesting depth and the number of values in one pass over the bytes, before JSON.parse builds
 * anything: a 24 KB body of 4,000 nested arrays parses fine but then overflows the stack in every
 * recursive step after it (transformation, validation, canonical JSON), and 6,000 arrays nested 31
 * deep each (370 KB) cost 1.3 s of CPU per request before this limit. Only structure outside strings counts; malformed JSON is left to the parser.
 */
export const checkJsonShape = (
  bytes: Uint8Array,
  limits: { maxDepth: number; maxElements: number } = { maxDepth: MAX_JSON_DEPTH, maxElements: MAX_JSON_ELEMENTS },
): void => {
  let depth = 0;
  let elements = 1;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) {
        throw malformed(`the JSON body is nested deeper than ${limits.maxDepth} levels`);
      }
      if (++elements > limits.maxElements)
        throw malformed(`the JSON body holds more than ${limits.maxElements} values`);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
    else if (byte === COMMA && ++elements > limits.maxElements) {
      throw malformed(`the JSON body holds more than ${limits.maxElements} values`);
    }
  }
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Media type parameters; `charset` is the only one JSON may carry (RFC 8259 defines none, UTF-8 is implied). */
const charsetOf = (contentType: string | undefined): string | undefined => {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
};

/**
 * The only request body this API takes: application/json in UTF-8 (RFC 8259 section 8.1), without a
 * byte-order mark, within the size, depth and element limits. Every other media type gets 415 from
 * Fastify, which finds no parser for it. Prototype poisoning is refused as before, by Fastify's own
 * JSON parser, which runs last.
 */
export const registerJsonBody = (fastify: FastifyInstance, bodyLimit: number): void => {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
      const charset = charsetOf(request.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ProblemException(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            `JSON bodies are read as UTF-8 only (the request says charset=${charset})`,
          ),
        );
        return;
      }
      if (body.length >= 2 && (body[0] === 0xef || body[0] === 0xfe || body[0] === 0xff)) {
        const bom =
          (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) ||
          (body[0] === 0xfe && body[1] === 0xff) ||
          (body[0] === 0xff && body[1] === 0xfe);
        if (bom) {
          done(malformed('the JSON body starts with a byte-order mark; send UTF-8 without one'));
          return;
        }
      }
      let text: string;
      try {
        checkJsonShape(body);
        text = utf8.decode(body);
      } catch (error) {
        done(error instanceof ProblemException ? error : malformed('the request body is not valid UTF-8'));
        return;
      }
      parseJson(request, text, done);
    },
  );
};
