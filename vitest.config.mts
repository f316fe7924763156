import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// test/compat/run.mjs points these at another n8n line's install.
const fromCore = process.env.N8N_HARNESS_CORE_DIR
	? createRequire(join(process.env.N8N_HARNESS_CORE_DIR, 'package.json'))
	: createRequire(import.meta.url);
const workflowPath = fromCore.resolve('n8n-workflow');

// n8n-core reads its settings folder when first loaded.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'n8n-user-'));

export default defineConfig({
	resolve: {
		// One copy of n8n-workflow for the tests, the node and n8n-core (CommonJS), or
		// `instanceof NodeApiError` fails across the copies.
		alias: [{ find: /^n8n-workflow$/, replacement: workflowPath }],
	},
	test: {
		include: ['test/**/*.test.mts'],
		// test/live talks to the real API: npm run test:live only (its own config).
		exclude: ['test/compat/**', 'test/e2e/**', 'test/live/**', 'node_modules/**'],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// The engine tests mostly wait (on jobs, paces and timeouts), not compute: several files at
		// once keep two cores busy and bring the run down to its longest file.
		maxWorkers: 4,
		env: { N8N_USER_FOLDER: process.env.N8N_USER_FOLDER },
	},
});
