import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataDirInUse, startEmbeddedPostgres, type RunningEmbeddedPostgres } from '#runtime';
import { freePort } from './support/postgres';

const answers = async (url: string): Promise<boolean> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe('the embedded PostgreSQL data directory', () => {
  let dataDir: string;
  const servers: RunningEmbeddedPostgres[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ka-owner-'));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await server.stop();
      await rm(server.clusterDir, { recursive: true, force: true });
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is refused to a second owner while the first lives, whose server keeps running', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    servers.push(first);
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(DataDirInUse);
    expect(await answers(first.url)).toBe(true);
  }, 120_000);

  it('is taken over from an owner that died, stopping the server it left behind', async () => {
    const port = await freePort();
    // A process that starts the server and is then killed without a chance to stop it.
    const owner = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(__dirname, '..', 'dist', 'libs', 'runtime', 'src', 'index.js'))})
          .startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} })
          .then(() => console.log('ready'), (error) => { console.error(error); process.exit(1); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      owner.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      owner.once('exit', () => reject(new Error('the owner exited before its server was ready')));
    });
    const exited = new Promise((resolve) => owner.once('exit', resolve));
    owner.kill('SIGKILL');
    await exited;
    const leftover = Number((await readFile(join(dataDir, 'owner.lock'), 'utf8')).split(' ')[0]);
    expect(leftover).toBe(owner.pid);

    const successor = await startEmbeddedPostgres({ dataDir, port });
    servers.push(successor);
    expect(await answers(successor.url)).toBe(true);
    expect(Number((await readFile(join(dataDir, 'owner.lock'), 'utf8')).split(' ')[0])).toBe(process.pid);
  }, 120_000);
});
