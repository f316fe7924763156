// Options > Concurrency: one shared pace for every item of a run. It bounds the HTTP requests in
// flight at once (not the jobs running), submits and status checks share it, and the run takes it
// from the first item whose options are valid. Read from the simulator's log of when each request
// arrived and when its answer was done: the requests open at the server at one moment were all in
// flight from the node at that moment.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import {
	perItemParams,
	promptItems as items,
	runInpaint,
	runItems,
	submitParams,
	useEnv,
} from './env.mts';
import { mostInFlight, requestsTo } from './checks.mts';

/** How long the simulator holds every answer, so that requests overlap. */
const HOLD_MS = 150;

describe('Concurrency bounds requests in flight across all items', () => {
	const env = useEnv({ jobMs: 1000 });

	it('Concurrency bounds the HTTP requests in flight at once across all items', async () => {
		env.sim.configure({ jobMs: 600, submitDelayMs: HOLD_MS, pollDelayMs: HOLD_MS });
		const { run, items: out } = await runItems(env, 12, { concurrency: 3 });
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);
		// At most three at once, and the bound is used: three at once, not one after another.
		expect(mostInFlight(env)).toBe(3);
	});

	it('submits and status checks share the pace: every job is sent and checked while all are running', async () => {
		env.sim.configure({ jobMs: 1000, submitDelayMs: 50 });
		// Each item a size of its own: no job waits to learn from another how long such jobs take.
		const params = { ...perItemParams(env), additionalFields: { width: '={{ 64 + $itemIndex }}' } };
		const { run, items: out } = await runInpaint(env, params, { items: items(20) });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(20);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		expect(requestsTo(env, 'submit')).toHaveLength(20);
		// Polled together: each job had been checked at least once before any job finished.
		const { jobs } = env.sim.stats();
		const firstFinish = Math.min(...jobs.map((j: any) => j.finishAt));
		const checkedBeforeFirstFinish = new Set(
			requestsTo(env, 'poll')
				.filter((r: any) => r.time < firstFinish)
				.map((r: any) => r.body.job_set_id),
		);
		expect(checkedBeforeFirstFinish.size).toBe(20);
	});

	it('Concurrency bounds requests, not jobs: with Concurrency 2, twenty jobs run at the same time', async () => {
		const { run, items: out } = await runItems(env, 20, { concurrency: 2 });
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);
		const { jobs, jobsCreated, duplicateSubmits } = env.sim.stats();
		expect(jobsCreated).toBe(20);
		expect(duplicateSubmits).toBe(0);
		// The last job was created before the first one finished: all twenty were running together.
		const lastCreated = Math.max(...jobs.map((j: any) => j.createdAt));
		const firstFinish = Math.min(...jobs.map((j: any) => j.finishAt));
		expect(lastCreated).toBeLessThan(firstFinish);
	});
});

describe("the run's Concurrency is the first valid item's", () => {
	const env = useEnv({ jobMs: 600 });

	const params = (env: Env) =>
		submitParams(env, {
			prompt: '={{ $json.prompt }}',
			options: {
				pollInterval: '={{ $json.poll }}',
				concurrency: '={{ $json.concurrency }}',
				retryDelay: 0.1,
			},
		});

	it('item 0 says Concurrency 2, the others 10: at most two requests at once, and two are used', async () => {
		env.sim.configure({ submitDelayMs: HOLD_MS, pollDelayMs: HOLD_MS });
		const { run, items: out } = await runInpaint(env, params(env), {
			items: items(6, (n) => ({ poll: 0.1, concurrency: n === 0 ? 2 : 10 })),
		});
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);
		expect(mostInFlight(env)).toBe(2);
	});

	it("item 0 has a bad option (Continue On Fail): Concurrency 2 from item 1 holds, not item 0's 10", async () => {
		env.sim.configure({ submitDelayMs: HOLD_MS, pollDelayMs: HOLD_MS });
		const { run, items: out } = await runInpaint(env, params(env), {
			items: items(6, (n) => ({ poll: n === 0 ? 0 : 0.1, concurrency: n === 1 ? 2 : 10 })),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(out[0].json.error).toBe(
			'Option "Poll Interval" must be a number of seconds from 0.1 to 3600',
		);
		expect(out.slice(1).every((i) => i.json.status === 'succeeded')).toBe(true);
		expect(mostInFlight(env)).toBe(2);
	});
});
