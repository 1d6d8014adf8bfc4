// The embedded PostgreSQL for a test run, in its own Node process started by global-setup.ts.
// Inside Jest the library cannot find its binaries (Jest's transform breaks import.meta.url), so it
// runs here, under plain Node, with the application's own startEmbeddedPostgres (compiled by swc on
// load, keeping `import()` native). It reports its URL over IPC and stops the server and deletes its
// data when told to, when Jest goes away (the IPC channel closes) or on a signal.
const { mkdtempSync, chmodSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2023', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs', ignoreDynamic: true },
  });
  module._compile(code, filename);
};

const { removeDataDir, startEmbeddedPostgres } = require('../../libs/runtime/src/embedded-postgres.ts');

const port = Number(process.env.EMBEDDED_TEST_PG_PORT);
const maxConnections = Number(process.env.EMBEDDED_TEST_PG_MAX_CONNECTIONS);
const dataDir = mkdtempSync(join(tmpdir(), 'ka-test-postgres-'));
// As root the server runs as the 'postgres' user, which must be able to enter its data directory.
chmodSync(dataDir, 0o755);

const starting = startEmbeddedPostgres({ dataDir, port, maxConnections });

let stopping;
const stop = () => {
  stopping ??= starting
    .then(
      (server) => server.stop(),
      () => undefined,
    )
    // The cluster too: as root it lives under the shared base, linked from the data directory.
    .finally(() => removeDataDir(dataDir).finally(() => process.exit(0)));
  return stopping;
};

process.on('message', (message) => message === 'stop' && void stop());
process.on('disconnect', () => void stop());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop());

starting.then(
  (server) => process.send({ url: server.url }),
  (error) => {
    const cause = error.cause ? `caused by: ${error.cause.stack ?? error.cause}\n` : '';
    process.stderr.write(`${error.stack ?? error}\n${cause}`);
    void removeDataDir(dataDir).finally(() => process.exit(1));
  },
);
