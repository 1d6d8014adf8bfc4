import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';

const GRACE_MS = 10_000;

/**
 * Lets a shutdown finish under keep-alive load. Closing the server only closes connections idle at
 * that instant; one that finishes its request a moment later would otherwise stay open for the
 * keep-alive timeout (72 s in Fastify). So from now on every response says Connection: close, and
 * whatever is still open after the grace period is cut (its client never got an answer, so no
 * acknowledged write is lost by it).
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  register(fastify: FastifyInstance): void {
    fastify.addHook('onSend', async (_request, reply) => {
      if (this.draining) void reply.header('connection', 'close');
    });
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
  }
}
