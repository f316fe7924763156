// npm run test:live: the live contract check alone (test/live/contract.test.mts), with the
// project's vitest settings (the n8n-workflow alias the harness needs). The main config excludes
// test/live, so npm test never sends anything to the real API.
import { defineConfig } from 'vitest/config';

import base from '../../vitest.config.mts';

export default defineConfig({
	...base,
	test: {
		...base.test,
		include: ['test/live/**/*.test.mts'],
		exclude: ['node_modules/**'],
		testTimeout: 300_000,
		reporters: ['verbose'],
	},
});
