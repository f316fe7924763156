// A subscription whose quota is used up: the gateway answers 403 with Retry-After (and its own
// wording). The node says so, and sends nothing more to that host in the run.
import { describe, expect, it } from 'vitest';

import { perItemParams, promptItems, runInpaint, useEnv } from './env.mts';

describe('a used-up quota', () => {
	const env = useEnv({ jobMs: 200 });

	it("is reported as the subscription's quota, with when it renews, not as a key without access", async () => {
		env.sim.configure({ quota: { limit: 0, renewSec: 3600 } });
		const { error } = await runInpaint(env, perItemParams(env), { items: promptItems(1) });
		expect(error.message).toMatch(/quota is used up; it renews in (59 min \d+ s|1 h)/);
		expect(error.message).not.toMatch(/no access/);
		expect(error.httpCode).toBe('403');
		expect(error.description).toMatch(/Nothing more is sent/);
	});

	it('stops the run sending to that host: every item fails with the quota, accepted jobs keep their Job Set IDs', async () => {
		env.sim.configure({ quota: { limit: 3, renewSec: 3600 } });
		const { run, items } = await runInpaint(env, perItemParams(env, { concurrency: 2 }), {
			items: promptItems(10),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(items).toHaveLength(10);
		const log = env.sim.requests();
		const firstRefused = log.findIndex((r: any) => r.status === 403);
		expect(firstRefused).toBeGreaterThanOrEqual(0);
		// After the first 403 only the request already on its way (Concurrency 2) reached the API.
		expect(log.length - firstRefused - 1).toBeLessThanOrEqual(1);
		const failed = items.filter((i) => i.json.error);
		expect(failed.length).toBeGreaterThan(0);
		for (const item of failed) expect(item.json.error).toMatch(/quota is used up/);
		// Jobs the API accepted before the quota ran out are named in their items.
		for (const job of env.sim.stats().jobs) {
			expect(items.some((i) => i.json.jobSetId === job.jobSetId)).toBe(true);
		}
	});

	it("is recognised by the gateway's words even without a Retry-After", async () => {
		env.sim.enqueueFaults({
			endpoint: 'submit',
			type: 'status',
			status: 403,
			body: {
				statusCode: 403,
				message: 'Out of call volume quota. Quota will be replenished in 00:10:00.',
			},
		});
		const { error } = await runInpaint(env, perItemParams(env), { items: promptItems(1) });
		expect(error.message).toMatch(/quota is used up; it renews in 10 min/);
	});
});
