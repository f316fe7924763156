// Minimal vitest config for the harness self-check:
//   N8N_USER_FOLDER=$(mktemp -d) npx vitest run test/harness --config test/harness/vitest.config.mts
//
// The one thing any vitest config running the harness needs: `n8n-workflow` resolved to its
// CommonJS build, the copy n8n-core and the node under test `require`. Without the alias, a test
// file's `import { NodeApiError } from 'n8n-workflow'` gets the ESM build (package.json
// "exports".import), a second copy, and `instanceof` checks against errors the node threw fail.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
	root: repoRoot,
	resolve: {
		alias: [{ find: /^n8n-workflow$/, replacement: require.resolve('n8n-workflow') }],
	},
	test: {
		include: ['test/harness/**/*.test.mts'],
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 30_000,
	},
});
