// Rate limits and outages (issue #10): the node finds the API's pace by itself, shares it
// between submits and status checks, and waits out outages within each job's timeout. Proved
// from what the simulator recorded (its own token bucket, outages and request log), never from
// wall-clock limits.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import {
	apiRequests,
	perItemParams,
	promptItems as items,
	requestsTo,
	runInpaint,
	useEnv,
} from './env.mts';

/** Each item's own prompt, the default poll interval (2 s) and a short first backoff. */
const perItem = (env: Env, options: Record<string, unknown> = {}) =>
	perItemParams(env, { pollInterval: 2, retryDelay: 0.2, ...options });

/** Requests the API answered 429 and all it answered, from `from` (ms since the epoch) on. */
function share429(env: Env, from: number) {
	const answered = apiRequests(env).filter((r: any) => r.time >= from && r.status !== null);
	const limited = answered.filter((r: any) => r.status === 429).length;
	return { limited, answered: answered.length, share: limited / answered.length };
}

describe('under a rate limit the node finds the pace by itself', () => {
	const env = useEnv({ jobMs: 1000, logLimit: 20_000 });

	it('a sustained limit: no item is lost, no job created twice, and after the first seconds at most 5 % of requests are refused', async () => {
		env.sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 8, burst: 8 } });
		const { run, items: out } = await runInpaint(env, perItem(env), { items: items(60) });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(60);
		expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(60);
		const stats = env.sim.stats();
		expect(stats.jobsCreated).toBe(60);
		expect(stats.duplicateSubmits).toBe(0);
		// The limit was really met: the first burst found it.
		expect(stats.answeredByEndpoint.submit[429] ?? 0).toBeGreaterThan(0);
		const start = apiRequests(env)[0].time;
		const { share, answered } = share429(env, start + 3000);
		expect(answered).toBeGreaterThan(60);
		expect(share).toBeLessThanOrEqual(0.05);
	});

	it('a limit that lifts mid-run: the pace speeds back up past the old limit', async () => {
		const limit = 4;
		env.sim.configure({
			jobMs: 500,
			rateLimit: { type: 'tokenBucket', ratePerSec: limit, burst: limit },
		});
		let liftedAt = Infinity;
		const stop = env.sim.onRequest(() => {
			// Lifted once the node has been paced for a while (40 requests at 4 per second).
			if (liftedAt === Infinity && apiRequests(env).length >= 40) {
				liftedAt = Date.now();
				env.sim.configure({ rateLimit: null });
			}
		});
		try {
			const { run, items: out } = await runInpaint(env, perItem(env, { pollInterval: 0.5 }), {
				items: items(150),
			});
			expect(run.status).toBe('success');
			expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(150);
		} finally {
			stop();
		}
		expect(liftedAt).toBeLessThan(Infinity);
		// Requests the API received in each second after the lift: some second saw well over the old limit.
		const after = apiRequests(env).filter((r: any) => r.time >= liftedAt);
		const perSecond = new Map<number, number>();
		for (const r of after)
			perSecond.set(
				Math.floor((r.time - liftedAt) / 1000),
				(perSecond.get(Math.floor((r.time - liftedAt) / 1000)) ?? 0) + 1,
			);
		expect(Math.max(...perSecond.values())).toBeGreaterThanOrEqual(3 * limit);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('100 items at 5 requests per second with a 15 s Job Timeout: sending takes longer than the timeout, yet every item succeeds', async () => {
		env.sim.configure({ jobMs: 1000, rateLimit: { type: 'tokenBucket', ratePerSec: 5, burst: 5 } });
		const { run, items: out } = await runInpaint(env, perItem(env, { timeout: 15 }), {
			items: items(100),
		});
		expect(run.status).toBe('success');
		expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(100);
		const stats = env.sim.stats();
		expect(stats.jobsCreated).toBe(100);
		expect(stats.duplicateSubmits).toBe(0);
		// Sending took longer than one Job Timeout (at most 5 requests a second, 200 needed)...
		const submits = requestsTo(env, 'submit');
		const lastSubmit = Math.max(...submits.map((r: any) => r.time));
		const firstSubmit = Math.min(...submits.map((r: any) => r.time));
		expect(lastSubmit - firstSubmit).toBeGreaterThan(15_000);
		// ...and every job was checked while later items were still being sent.
		const early = stats.jobs.filter((j: any) => j.createdAt < lastSubmit - 15_000);
		expect(early.length).toBeGreaterThan(0);
		for (const job of early) expect(job.firstPollAttemptAt).toBeLessThan(lastSubmit);
	});

	it('a 429 storm on submit: every refused submit is sent again, no job is created twice', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status: 429, times: 12 });
		const { run, items: out } = await runInpaint(env, perItem(env, { timeout: 60 }), {
			items: items(10),
		});
		expect(run.status).toBe('success');
		expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(10);
		const stats = env.sim.stats();
		expect(stats.answeredByEndpoint.submit[429]).toBe(12);
		expect(stats.jobsCreated).toBe(10);
		expect(stats.duplicateSubmits).toBe(0);
	});

	it('a submit the API refuses for longer than the Job Timeout fails with a clear 429 error: no job, nothing lost silently', async () => {
		env.sim.enqueueFaults({
			endpoint: 'submit',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '1' },
			times: 1000,
		});
		const { run, items: out } = await runInpaint(env, perItem(env, { timeout: 2 }), {
			items: items(3),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(out).toHaveLength(3);
		for (const item of out) {
			expect(item.json.error).toMatch(/rate limit kept refusing this item for 2 s \(429\)/);
			expect(item.json.description).toMatch(/No job was created/);
			expect(item.json.httpCode).toBe(429);
		}
		expect(env.sim.stats().jobsCreated).toBe(0);
	});

	it('cancelling while items wait for a pace slot ends the run at once: nothing is sent after the cancel', async () => {
		env.sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 2, burst: 2 } });
		let sentAtCancel = 0;
		const { run } = await runInpaint(env, perItem(env), {
			items: items(40),
			// Once the pace has been found (some 429s seen), most items are waiting for a slot.
			cancelWhen: () => {
				const limited = apiRequests(env).filter((r: any) => r.status === 429).length;
				if (limited === 0 || apiRequests(env).length < 12) return false;
				sentAtCancel = apiRequests(env).length;
				return true;
			},
		});
		expect(run.cancelledAt).toBeDefined();
		expect(run.status).not.toBe('success');
		// At most the requests already on their way when the cancel came (Concurrency 10).
		expect(apiRequests(env).length - sentAtCancel).toBeLessThanOrEqual(10);
		expect(requestsTo(env, 'submit').length).toBeLessThan(40);
	});
});

describe("outages are waited out within each job's timeout", () => {
	const env = useEnv({ jobMs: 1000 });

	it('a 20 s outage of the status endpoint inside a 90 s Job Timeout: every item succeeds, one submit each', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 20_000 });
		const { run, items: out } = await runInpaint(
			env,
			perItem(env, { timeout: 90, maxRetries: 1 }),
			{ items: items(5) },
		);
		expect(run.status).toBe('success');
		expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(5);
		const stats = env.sim.stats();
		expect(stats.faultsInjected.outage).toBeGreaterThan(5); // more than Max Retries would have allowed
		expect(stats.jobsCreated).toBe(5);
		expect(stats.duplicateSubmits).toBe(0);
	});

	it("an outage longer than the Job Timeout: each item fails at its timeout (not before) with its jobSetId and the API's error", async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 30_000 });
		const timeout = 4;
		const { run, items: out } = await runInpaint(env, perItem(env, { timeout }), {
			items: items(3),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		const { jobs } = env.sim.stats();
		expect(out).toHaveLength(3);
		for (const [index, item] of out.entries()) {
			const job = jobs.find((j: any) => j.jobSetId === item.json.jobSetId);
			expect(job, `item ${index} carries its job`).toBeDefined();
			expect(item.json.error).toMatch(/503/);
			expect(item.json.description).toMatch(
				new RegExp(`retried for ${timeout} s.*${job!.jobSetId}`),
			);
		}
		// Not before the timeout: the run ended no earlier than the first job's timeout.
		const firstCreated = Math.min(...jobs.map((j: any) => j.createdAt));
		expect(Date.now() - firstCreated).toBeGreaterThanOrEqual(timeout * 1000 - 50);
	});
});
