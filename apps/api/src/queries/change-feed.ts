import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Pool } from 'pg';
import type { Position } from '#event-store';
import { CheckpointWatcher, LINK_PERMISSIONS, readPermissionChanges, type PermissionChangePage } from '#read-models';
import { PG_POOL } from '../infrastructure/tokens';

/** Longest a long-poll may hold a request. */
export const MAX_WAIT_MS = 30_000;
/** A comment line this often keeps proxies from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;
/** An event stream ends after this, so clients reconnect (with Last-Event-ID) and load spreads again. */
const STREAM_LIFETIME_MS = 5 * 60_000;

/**
 * The link-permission change feed for downstream caches: pages by position, long-polls until a
 * change arrives, or streams Server-Sent Events, one event per position so that a Last-Event-ID
 * resume never splits the changes of one position.
 */
@Injectable()
export class LinkPermissionFeed implements BeforeApplicationShutdown {
  private readonly watcher: CheckpointWatcher;
  private readonly streams = new Set<() => void>();
  /** Page reads under way, by position and size: followers woken by one commit share one query. */
  private readonly reading = new Map<string, Promise<PermissionChangePage>>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.watcher = new CheckpointWatcher(pool);
  }

  /** The changes after `after`, waiting up to `waitMs` for the first one if none is there yet. */
  async poll(after: Position, limit: number, waitMs: number): Promise<PermissionChangePage> {
    const deadline = Date.now() + waitMs;
    let page = await this.read(after, limit);
    while (page.changes.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // Any commit of the projection wakes us; most change no permission, so read and wait again.
      const reached = await this.watcher.waitFor(LINK_PERMISSIONS, BigInt(page.next) + 1n, left);
      if (reached === undefined) break;
      page = await this.read(BigInt(page.next), limit);
    }
    return page;
  }

  /** Streams `text/event-stream` from `after` until the client leaves, the lifetime ends or the app stops. */
  async stream(after: Position, limit: number, reply: FastifyReply): Promise<void> {
    let position = after;
    // Read before anything is sent, so a database that is down still gets a problem+json answer.
    let page: PermissionChangePage | undefined = await this.read(position, limit);
    reply.hijack();
    const raw = reply.raw;
    const headers: OutgoingHttpHeaders = {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    };
    raw.writeHead(200, headers);
    let open = true;
    let ended: () => void = () => undefined;
    const closed = new Promise<undefined>((resolve) => {
      ended = () => resolve(undefined);
    });
    const end = (): void => {
      open = false;
      ended();
    };
    raw.once('close', end);
    this.streams.add(end);
    const until = Date.now() + STREAM_LIFETIME_MS;
    // A client that stops reading must not make the server hold the feed in memory: once the
    // socket's buffer is full, the next page is read only after it drained (or the client left).
    let drained: Promise<void> | undefined;
    const send = (text: string): void => {
      if (raw.write(text) || drained !== undefined) return;
      // A socket error ends the stream like a close.
      const drain = once(raw, 'drain').then(
        () => {
          drained = undefined;
        },
        () => end(),
      );
      drained = Promise.race([drain, closed]);
    };
    // Tells an EventSource how long to wait before it reconnects.
    send('retry: 1000\n\n');
    try {
      while (open && Date.now() < until) {
        if (drained !== undefined) {
          let timer: NodeJS.Timeout | undefined;
          const lifetimeOver = new Promise((resolve) => {
            timer = setTimeout(resolve, Math.max(0, until - Date.now()));
          });
          await Promise.race([drained, lifetimeOver]);
          clearTimeout(timer);
          continue;
        }
        page ??= await this.read(position, limit);
        let group: PermissionChangePage['changes'] = [];
        const flush = () => {
          if (group.length === 0) return;
          const at = group[0]!.position;
          send(`id: ${at}\nevent: changes\ndata: ${JSON.stringify({ position: at, changes: group })}\n\n`);
          group = [];
        };
        for (const change of page.changes) {
          if (group.length > 0 && group[0]!.position !== change.position) flush();
          group.push(change);
        }
        flush();
        position = BigInt(page.next);
        if (page.more) {
          page = undefined;
          continue;
        }
        page = undefined;
        const wait = Math.min(HEARTBEAT_MS, until - Date.now());
        if (wait <= 0) break;
        const reached = await Promise.race([this.watcher.waitFor(LINK_PERMISSIONS, position + 1n, wait), closed]);
        if (reached === undefined && open) send(': keep-alive\n\n');
      }
    } finally {
      this.streams.delete(end);
      raw.off('close', end);
      // A client that stopped reading would keep what is buffered, and the socket, for good.
      if (drained !== undefined) raw.destroy();
      else if (!raw.destroyed) raw.end();
    }
  }

  /**
   * A page of changes; joins an identical read under way. Sharing is safe because a page is
   * complete up to its `next`, whenever it was read: a follower that joined an earlier read gets an
   * earlier `next`, finds the checkpoint already past it and reads again.
   */
  private read(after: Position, limit: number): Promise<PermissionChangePage> {
    const key = `${after.toString()} ${limit}`;
    let page = this.reading.get(key);
    if (page === undefined) {
      page = readPermissionChanges(this.pool, after, limit).finally(() => this.reading.delete(key));
      this.reading.set(key, page);
    }
    return page;
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const end of this.streams) end();
    await this.watcher.close();
  }
}
