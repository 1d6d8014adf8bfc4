import { closeEverything } from './resources';

// Registered for every test file (jest.config.js setupFilesAfterEnv): runs after the file's own afterAll hooks.
afterAll(closeEverything);
