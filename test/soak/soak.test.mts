// The small soak run inside `npm test`: 150 items through the real node against the simulator
// with ~10 % random faults (429 + Retry-After, 5xx on polls, dropped connections, slow and
// malformed answers). The full run is `npm run soak` (1,000 items).
import { afterAll, describe, expect, it } from 'vitest';

import { disposeHarness } from '../harness/engine.mjs';
import { formatFigures, soak } from './soak.mjs';

describe('soak: many items under random faults', () => {
	afterAll(async () => {
		await disposeHarness();
	});

	it('150 items with 10 % random faults: every item accounted for, no duplicate job, no key leak', async () => {
		const f = await soak({
			items: 150,
			faultRate: 0.1,
			seed: 7,
			jobMs: 500,
			pollInterval: 0.2,
			delayMs: 800,
		});
		console.log(formatFigures(f));

		// The run really was under fire, and really made jobs.
		expect(Object.values(f.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
		expect(f.succeeded).toBeGreaterThan(100);

		expect(f.itemsOut).toBe(f.itemsIn);
		expect(f.succeeded + f.errors).toBe(f.itemsIn);
		expect(f.unaccounted).toBe(0);
		expect(f.misPaired).toBe(0);
		// Every error item carries the jobSetId wherever the API gave one (the failed jobs at least).
		expect(f.apiGaveJobSetId).toBeGreaterThanOrEqual(3);
		expect(f.missingJobSetId).toBe(0);
		expect(f.wrongJobSetId).toBe(0);
		expect(f.duplicateSubmits).toBe(0);
		expect(f.itemsWithSeveralJobs).toBe(0);
		expect(f.keyLeaks).toBe(0);
		expect(f.violations).toEqual([]);
		expect(f.ok).toBe(true);
	});
});
