// Rate limits. A 429 pauses every item's requests to that host for the time the API asked
// (Retry-After in seconds or as an HTTP date, up to Max Pause on 429); under a sustained limit the
// node finds the API's pace by itself and speeds back up when it lifts; a submit refused with 429
// was not taken, so it is sent again, and no job is ever created twice. Proved from what the
// simulator recorded (its own token bucket and request log), never from wall-clock limits.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fastRetries, runInpaint, runItems, slowPoll, submitParams, useEnv } from './env.mts';
import { faultOnArrival, rateLimited } from './faults.mts';
import { apiRequests, requestsTo, WAIT_TOLERANCE_MS } from './checks.mts';

const quick = fastRetries(3);
describe('Retry-After is honoured, in seconds or as an HTTP date, up to Max Pause on 429', () => {
	const env = useEnv({ jobMs: 300 });

	it('a 429 on submit is re-sent only after the Retry-After pause and creates exactly one job', async () => {
		env.sim.enqueueFaults(rateLimited('submit', 1));
		const { run, items: out } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		expect(out[0].json.status).toBe('succeeded');
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => r.status)).toEqual([429, 200]);
		expect(submits[1].time - submits[0].time).toBeGreaterThanOrEqual(1000 - WAIT_TOLERANCE_MS);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('a status check answered 429 with Retry-After in seconds is asked again only after that time', async () => {
		env.sim.enqueueFaults(rateLimited('poll', 1));
		const { run } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].status).toBe(429);
		expect(polls[1].time - polls[0].time).toBeGreaterThanOrEqual(1000 - WAIT_TOLERANCE_MS);
	});

	it('a 429 with Retry-After as an HTTP date is asked again only after that date', async () => {
		// The date is set when the first status check arrives, 1.5 to 2.5 s after it (a whole second,
		// so that the HTTP date, of second precision, is exact), and that same check gets the 429.
		let retryAt = Number.POSITIVE_INFINITY;
		faultOnArrival(env, 'poll', (n, entry) => {
			if (n > 1) return undefined;
			retryAt = Math.ceil((entry.time + 1500) / 1000) * 1000;
			return rateLimited('poll', new Date(retryAt).toUTCString());
		});
		const { run } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].status).toBe(429);
		expect(polls[0].time).toBeLessThan(retryAt);
		expect(polls[1].time).toBeGreaterThanOrEqual(retryAt - WAIT_TOLERANCE_MS);
	});

	it('a Retry-After longer than Max Pause on 429 is cut to that pause', async () => {
		env.sim.enqueueFaults(rateLimited('poll', 30));
		const { run, items: out } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetryAfter: 1 } }),
		);
		expect(run.status).toBe('success');
		expect(out[0].json.status).toBe('succeeded');
		const polls = requestsTo(env, 'poll');
		const gap = polls[1].time - polls[0].time;
		expect(gap).toBeGreaterThanOrEqual(1000 - WAIT_TOLERANCE_MS);
		// Honouring the 30 s would have meant a gap of at least 30 s: the cap was applied.
		expect(gap).toBeLessThan(30_000);
	});
});

describe("a 429 pauses every item's requests to that host", () => {
	const env = useEnv({ jobMs: 1000 });
	/**
	 * Requests that arrive during a pause were sent before the node learned of the 429: at most the
	 * other Concurrency − 1 that can be in flight then. Counted, not timed (a loaded machine may
	 * deliver them late).
	 */
	const CONCURRENCY = 2;

	/**
	 * Six items at Concurrency 2 whose first request to `endpoint` is answered 429 with Retry-After
	 * 1: all succeed, and at most the requests already in flight arrive in the second after the
	 * 429. Returns when that second ended.
	 */
	async function runPausedBy429(endpoint: 'submit' | 'poll') {
		env.sim.enqueueFaults(rateLimited(endpoint, 1));
		const { run, items: out } = await runItems(env, 6, { concurrency: CONCURRENCY });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(6);
		expect(out.every((i) => i.json.status === 'succeeded')).toBe(true);
		const t429 = requestsTo(env, endpoint).find((r: any) => r.status === 429)!.time;
		const pauseEnd = t429 + 1000 - WAIT_TOLERANCE_MS;
		const inPause = apiRequests(env).filter((r: any) => r.time > t429 && r.time < pauseEnd);
		expect(inPause.length).toBeLessThanOrEqual(CONCURRENCY - 1);
		return pauseEnd;
	}

	it('after a 429 with Retry-After 1 on one status check, no item sends anything to that host for that second', async () => {
		env.sim.configure({ jobMs: 1800 });
		// Six items polling every 0.1 s would send about ten requests in that second without the pause.
		const pauseEnd = await runPausedBy429('poll');
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
		// Without the shared pause the four items not yet sent would go at once.
		await runPausedBy429('submit');
		expect(requestsTo(env, 'submit')).toHaveLength(7); // 6 items + the one re-sent after its 429
		expect(env.sim.stats().jobsCreated).toBe(6);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});
});

describe('under a rate limit the node finds the pace by itself', () => {
	const env = useEnv({ jobMs: 1000, logLimit: 20_000 });
	/** `count` items, each with its own prompt, at the node's default poll interval (a long run's pace). */
	const runPaced = (count: number, options = {}, runOptions = {}) =>
		runItems(env, count, { ...slowPoll, ...options }, runOptions);

	/** Requests the API answered 429 and all it answered, from `from` (ms since the epoch) on. */
	function share429(env: Env, from: number) {
		const answered = apiRequests(env).filter((r: any) => r.time >= from && r.status !== null);
		const limited = answered.filter((r: any) => r.status === 429).length;
		return { limited, answered: answered.length, share: limited / answered.length };
	}

	it('a sustained limit: no item is lost, no job created twice, and after the first seconds at most 5 % of requests are refused', async () => {
		env.sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 8, burst: 8 } });
		const { run, items: out } = await runPaced(60);
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
			const { run, items: out } = await runPaced(150, { pollInterval: 0.5 });
			expect(run.status).toBe('success');
			expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(150);
		} finally {
			stop();
		}
		expect(liftedAt).toBeLessThan(Infinity);
		// Requests the API received in each second after the lift: some second saw well over the old limit.
		const perSecond = new Map<number, number>();
		for (const r of apiRequests(env).filter((r: any) => r.time >= liftedAt)) {
			const second = Math.floor((r.time - liftedAt) / 1000);
			perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
		}
		expect(Math.max(...perSecond.values())).toBeGreaterThanOrEqual(3 * limit);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('100 items at 5 requests per second with a 15 s Job Timeout: sending takes longer than the timeout, yet every item succeeds', async () => {
		env.sim.configure({ jobMs: 1000, rateLimit: { type: 'tokenBucket', ratePerSec: 5, burst: 5 } });
		const { run, items: out } = await runPaced(100, { timeout: 15 });
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
		const { run, items: out } = await runPaced(10, { timeout: 60 });
		expect(run.status).toBe('success');
		expect(out.filter((i) => i.json.status === 'succeeded')).toHaveLength(10);
		const stats = env.sim.stats();
		expect(stats.answeredByEndpoint.submit[429]).toBe(12);
		expect(stats.jobsCreated).toBe(10);
		expect(stats.duplicateSubmits).toBe(0);
	});

	it('a submit the API refuses for longer than the Job Timeout fails with a clear 429 error: no job, nothing lost silently', async () => {
		env.sim.enqueueFaults({ ...rateLimited('submit', 1), times: 1000 });
		const { run, items: out } = await runPaced(3, { timeout: 2 }, { continueOnFail: true });
		expect(run.status).toBe('success');
		expect(out).toHaveLength(3);
		for (const item of out) {
			expect(item.json.error).toMatch(/rate limit kept refusing this item for 2 s \(429\)/);
			expect(item.json.description).toMatch(/No job was created/);
			expect(item.json.httpCode).toBe(429);
		}
		expect(env.sim.stats().jobsCreated).toBe(0);
	});
});
