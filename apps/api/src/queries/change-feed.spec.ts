import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { LinkPermissionFeed } from './change-feed';

/** A feed that always has another full page: what a client far behind a busy log would read. */
const endlessFeed = () => {
  let pages = 0;
  const pool = {
    query: async () => {
      pages++;
      const first = pages * 10;
      return {
        rows: [
          {
            checkpoint: String(first + 10),
            pruned_through: '0',
            n: 10,
            rows: Array.from({ length: 10 }, (_, i) => ({
              position: String(first + i),
              advertiser_id: 'a',
              contract_id: 'k',
              platform: 'taobao',
              category: 'beauty',
              removed: true,
              permission: null,
            })),
          },
        ],
      };
    },
  };
  return { pool: pool as unknown as Pool, pages: () => pages };
};

/** A response socket whose buffer is full from the first write until `drain` is emitted. */
const stalledClient = () => {
  const raw = Object.assign(new EventEmitter(), {
    destroyed: false,
    ended: false,
    writes: 0,
    writeHead: () => undefined,
    write: () => {
      raw.writes++;
      return false;
    },
    end: () => {
      raw.ended = true;
    },
    destroy: () => {
      raw.destroyed = true;
    },
  });
  const reply = { hijack: () => undefined, raw, getHeaders: () => ({}) };
  return { raw, reply: reply as unknown as FastifyReply };
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('LinkPermissionFeed event stream', () => {
  it('given a client that stops reading, then it reads no further page until the socket drains', async () => {
    const { pool, pages } = endlessFeed();
    const feed = new LinkPermissionFeed(pool);
    const { raw, reply } = stalledClient();
    const streaming = feed.stream(0n, 10, reply);
    await settle();
    // The first page is read before the answer starts; the retry line filled the buffer.
    expect([pages(), raw.writes]).toEqual([1, 1]);

    // Each drain lets one page out (one event per position), then the stream waits again.
    raw.emit('drain');
    await settle();
    expect([pages(), raw.writes]).toEqual([1, 11]);
    raw.emit('drain');
    await settle();
    expect([pages(), raw.writes]).toEqual([2, 21]);
    raw.emit('drain');
    await settle();
    expect([pages(), raw.writes]).toEqual([3, 31]);

    raw.emit('close');
    await streaming;
    expect(pages()).toBe(3);
    // What it still buffered would never reach the client: the socket goes, not flushed.
    expect([raw.destroyed, raw.ended]).toEqual([true, false]);
    await feed.beforeApplicationShutdown();
  });

  it('given followers at one position, when they read at once, then one query answers them all', async () => {
    const { pool, pages } = endlessFeed();
    const feed = new LinkPermissionFeed(pool);
    const answers = await Promise.all(Array.from({ length: 5 }, () => feed.poll(20n, 10, 0)));
    expect(pages()).toBe(1);
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    // Another position is another read, and a finished read is not reused.
    await Promise.all([feed.poll(20n, 10, 0), feed.poll(30n, 10, 0)]);
    expect(pages()).toBe(3);
    await feed.beforeApplicationShutdown();
  });
});
