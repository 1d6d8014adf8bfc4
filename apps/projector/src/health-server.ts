import { createServer, type Server } from 'node:http';
import type { Pool } from 'pg';
import type { RunnerStatus } from '#read-models';

export interface ProjectorHealth {
  readonly pool: Pool;
  readonly statuses: () => RunnerStatus[];
}

const DATABASE_TIMEOUT_MS = 2_000;

const databaseAnswers = async (pool: Pool): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS)));
  const query = pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  return Promise.race([query, timeout]).finally(() => clearTimeout(timer));
};

/**
 * The projector has no API, but a container orchestrator still needs to know whether it works: this
 * answers GET /health/live on the process's HOST and PORT (so the image's one HEALTHCHECK fits both
 * processes) with 200 while every runner is running (active, or standing by for its lock) and the
 * read-model database answers, and 503 otherwise. Nothing else is served.
 */
export const startHealthServer = (health: ProjectorHealth, host: string, port: number): Promise<Server> => {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/health/live') {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
      return;
    }
    void databaseAnswers(health.pool).then((database) => {
      const projections = health.statuses().map(({ name, state }) => ({ name, state }));
      const ok = database && projections.length > 0 && projections.every(({ state }) => state !== 'stopped');
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ status: ok ? 'ok' : 'down', database: database ? 'up' : 'down', projections }));
    });
  });
  // Serving health checks never keeps a stopping projector alive.
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
};
