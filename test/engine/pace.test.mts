// Reliability, part 2: one shared pace for every item of a run. Concurrency bounds simultaneous
// HTTP requests (not jobs), every job is submitted before the polling starts, and a 429 pauses
// every request to that host. Proved from the simulator's request log, never from wall-clock limits.
import { describe, expect, it } from 'vitest';

import type { InpaintRun } from './env.mts';
import {
	apiRequests,
	perItemParams as perItem,
	promptItems as items,
	requestsTo,
	runInpaint,
	useEnv,
} from './env.mts';

const TOLERANCE_MS = 5;
/** Requests the node had already sent when it learned of a 429 arrive within this time after it. */
const IN_FLIGHT_MS = 50;

/** When the node learned of the 429 (its own debug line, logged as it pauses the host). */
function learnedAt(run: InpaintRun['run'], endpoint: 'submit' | 'poll'): number {
	const entry = run.logEntries.find((e: any) =>
		e.message.startsWith(`Pixazo ${endpoint}: HTTP 429`),
	);
	expect(entry, `the node should log the 429 on ${endpoint}`).toBeTruthy();
	return entry!.time;
}

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
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: 10 }), {
			items: items(6),
		});
		expect(run.status).toBe('success');
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const t429 = requestsTo(env, 'poll').find((r: any) => r.status === 429)!.time;
		const learned = learnedAt(run, 'poll');
		const pauseEnd = t429 + 1000 - TOLERANCE_MS;
		// Requests already on the wire when the 429 arrived may land just after it; nothing sent later may.
		const inPause = apiRequests(env).filter(
			(r: any) => r.time > learned + IN_FLIGHT_MS && r.time < pauseEnd,
		);
		expect(inPause).toEqual([]);
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
		const { run, items: out } = await runInpaint(env, perItem(env, { concurrency: 2 }), {
			items: items(6),
		});
		expect(run.status).toBe('success');
		expect(out).toHaveLength(6);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const t429 = requestsTo(env, 'submit').find((r: any) => r.status === 429)!.time;
		const learned = learnedAt(run, 'submit');
		const inPause = apiRequests(env).filter(
			(r: any) => r.time > learned + IN_FLIGHT_MS && r.time < t429 + 1000 - TOLERANCE_MS,
		);
		expect(inPause).toEqual([]);
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

	it('every job is submitted before the first status check, and all are checked while all are running', async () => {
		env.sim.configure({ jobMs: 1000, submitDelayMs: 50 });
		const { run, items: out } = await runInpaint(env, perItem(env, {}), { items: items(20) });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(20);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);

		const submits = requestsTo(env, 'submit');
		const polls = requestsTo(env, 'poll');
		expect(submits).toHaveLength(20);
		const lastSubmit = Math.max(...submits.map((r: any) => r.time));
		const firstPoll = Math.min(...polls.map((r: any) => r.time));
		expect(lastSubmit).toBeLessThan(firstPoll);

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
