// Reliability, part 2: one shared pace for every item of a run. Concurrency bounds simultaneous
// HTTP requests (not jobs), submits and status checks share the pace, and a 429 pauses every
// request to that host. Proved from the simulator's request log, never from wall-clock limits.
import { describe, expect, it } from 'vitest';

import {
	apiRequests,
	perItemParams as perItem,
	promptItems as items,
	requestsTo,
	runInpaint,
	useEnv,
} from './env.mts';

const TOLERANCE_MS = 5;
/**
 * Requests that arrive during a pause were sent before the node learned of the 429: at most the
 * other Concurrency − 1 that can be in flight then. Counted, not timed (a loaded machine may
 * deliver them late).
 */
const CONCURRENCY = 2;

describe('one shared pace for all items', () => {
	const env = useEnv({ jobMs: 1000 });

	it('after a 429 with Retry-After 1 on one status check, no item sends anything to that host for that second', async () => {
		env.sim.configure({ jobMs: 1800 });
		env.sim.enqueueFaults({
			endpoint: 'poll',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '1' },
		});
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: CONCURRENCY }), {
			items: items(6),
		});
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const t429 = requestsTo(env, 'poll').find((r: any) => r.status === 429)!.time;
		const pauseEnd = t429 + 1000 - TOLERANCE_MS;
		// Six items polling every 0.1 s would send about ten requests in that second without the pause.
		const inPause = apiRequests(env).filter((r: any) => r.time > t429 && r.time < pauseEnd);
		expect(inPause.length).toBeLessThanOrEqual(CONCURRENCY - 1);
		// The other items were still polling (every 0.1 s): without the shared pause they would have
		// asked inside that second.
		const pollersAfter = new Set(
			requestsTo(env, 'poll')
				.filter((r: any) => r.time >= pauseEnd)
				.map((r: any) => r.body.job_set_id),
		);
		expect(pollersAfter.size).toBe(6);
	});

	it('a 429 on one submit holds back the submits of the other items for the time asked, and no job is created twice', async () => {
		env.sim.enqueueFaults({
			endpoint: 'submit',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '1' },
		});
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: CONCURRENCY }), {
			items: items(6),
		});
		expect(run.status).toBe('success');
		expect(out).toHaveLength(6);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const t429 = requestsTo(env, 'submit').find((r: any) => r.status === 429)!.time;
		// Without the shared pause the four items not yet sent would go at once.
		const inPause = apiRequests(env).filter(
			(r: any) => r.time > t429 && r.time < t429 + 1000 - TOLERANCE_MS,
		);
		expect(inPause.length).toBeLessThanOrEqual(CONCURRENCY - 1);
		expect(requestsTo(env, 'submit')).toHaveLength(7); // 6 items + the one re-sent after its 429
		expect(env.sim.stats().jobsCreated).toBe(6);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('Concurrency bounds the HTTP requests in flight at once across all items', async () => {
		// Every answer is held 150 ms, so requests overlap. The simulator logs when each request
		// arrived and when its answer was done: the requests open at the server at one moment were
		// all in flight from the node at that moment.
		const holdMs = 150;
		env.sim.configure({ jobMs: 600, submitDelayMs: holdMs, pollDelayMs: holdMs });
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: 3 }), {
			items: items(12),
		});
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const api = apiRequests(env) as Array<{ time: number; doneAt: number | null }>;
		expect(api.every((r) => r.doneAt !== null)).toBe(true);
		const inFlightAt = api.map(
			(r) => api.filter((q) => q.time <= r.time && (q.doneAt as number) > r.time).length,
		);
		expect(Math.max(...inFlightAt)).toBeLessThanOrEqual(3);
		// ...and the bound is used: three at once, not one after another.
		expect(Math.max(...inFlightAt)).toBe(3);
	});

	it('submits and status checks share the pace: every job is sent and checked while all are running', async () => {
		env.sim.configure({ jobMs: 1000, submitDelayMs: 50 });
		// Each item a size of its own: no job waits to learn from another how long such jobs take.
		const params = { ...perItem(env, {}), additionalFields: { width: '={{ 64 + $itemIndex }}' } };
		const { run, items: out } = await runInpaint(env, params, { items: items(20) });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(20);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const submits = requestsTo(env, 'submit');
		const polls = requestsTo(env, 'poll');
		expect(submits).toHaveLength(20);
		// Polled together: each job had been checked at least once before any job finished.
		const { jobs } = env.sim.stats();
		const firstFinish = Math.min(...jobs.map((j: any) => j.finishAt));
		const checkedBeforeFirstFinish = new Set(
			polls.filter((r: any) => r.time < firstFinish).map((r: any) => r.body.job_set_id),
		);
		expect(checkedBeforeFirstFinish.size).toBe(20);
	});

	it('Concurrency bounds requests, not jobs: with Concurrency 2, twenty jobs run at the same time', async () => {
		env.sim.configure({ jobMs: 1000 });
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: 2 }), {
			items: items(20),
		});
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
