// Reliability, part 1: what is retried, what never is, and how long the node waits in between.
// Every test runs the real node through n8n's WorkflowExecute against the local simulator.

import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { closedPort, requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

/** Small delays so retries stay fast; explicit retry budget so the tests do not follow defaults. */
const quick = { pollInterval: 0.1, retryDelay: 0.1, maxRetries: 3 };

/** What a user reads: the message and the description, as one text. */
function errorText(error: any): string {
	return `${error?.message ?? ''} ${error?.description ?? ''}`;
}

/** A clear error never shows a JavaScript failure instead of the API's problem. */
function expectClearError(error: any) {
	expect(error, 'the node should have thrown').toBeTruthy();
	expect(errorText(error)).not.toMatch(
		/TypeError|ReferenceError|Cannot read prop|is not a function|\[object Object\]/,
	);
}

/** Gaps (ms) between successive requests to one endpoint, in arrival order. */
function gaps(env: Env, endpoint: 'submit' | 'poll'): number[] {
	const times = requestsTo(env, endpoint).map((r: any) => r.time as number);
	return times.slice(1).map((t, i) => t - times[i]);
}

/** Timing tolerance for "waited at least": timers may fire a millisecond early, arrival is stamped on receipt. */
const TOLERANCE_MS = 5;

describe('a submit is never sent twice unless the API certainly did not take it', () => {
	const env = useEnv();

	it.each([500, 502, 503, 504])(
		'a %i on submit is reported with its status and never re-sent',
		async (status) => {
			env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status });
			const { error } = await runInpaint(env, submitParams(env, { options: quick }));
			expectClearError(error);
			expect(error.constructor.name).toBe('NodeApiError');
			expect(String(error.httpCode)).toBe(String(status));
			expect(errorText(error)).toMatch(/not sent again/i);
			expect(requestsTo(env, 'submit')).toHaveLength(1);
			expect(requestsTo(env, 'poll')).toHaveLength(0);
		},
	);

	it('an HTML gateway page (502) on submit is reported with its text and never re-sent', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'html' });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(String(error.httpCode)).toBe('502');
		expect(errorText(error)).toContain('502 Bad Gateway');
		expect(errorText(error)).not.toContain('<html>');
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a connection reset after the API accepted the submit is reported, the job is not created twice', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'dropAfterAccept' });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(errorText(error)).toMatch(/not sent again/i);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('a reset after sending a submit is reported without inviting the user to retry at once', async () => {
		// The job may exist: "retry immediately" would create a second, billable one.
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'dropAfterAccept' });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(errorText(error)).toMatch(/not sent again/i);
		expect(error.message).not.toMatch(/retry the request immediately/i);
	});

	it('a connection dropped before any answer on submit is reported and never re-sent', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'drop' });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(errorText(error)).toMatch(/not sent again/i);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a submit left without an answer is given up after Request Timeout, reported, and never re-sent', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'hang' });
		const { run, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, requestTimeout: 0.5 } }),
		);
		expect(run.status).toBe('error');
		expectClearError(error);
		expect(error.message).toMatch(/No answer .* within 0\.5 s/);
		expect(errorText(error)).toMatch(/not sent again/i);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a 200 with a malformed body on submit is reported and never re-sent', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'malformed' });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a 429 on submit is re-sent only after the Retry-After pause and creates exactly one job', async () => {
		env.sim.enqueueFaults({
			endpoint: 'submit',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '1' },
		});
		const { run, items } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		expect(items[0].json.status).toBe('succeeded');
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => r.status)).toEqual([429, 200]);
		expect(submits[1].time - submits[0].time).toBeGreaterThanOrEqual(1000 - TOLERANCE_MS);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('a submit refused before it was sent (connection refused) is retried up to Max Retries', async () => {
		const port = await closedPort();
		const { error, run } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetries: 2 } }),
			{
				credentials: { submitBaseUrl: `http://127.0.0.1:${port}/submit` },
			},
		);
		expectClearError(error);
		expect(errorText(error)).toMatch(/refused/i);
		expect(errorText(error)).toContain('Tried 3 times');
		// Refused means the API never saw it: the advice about a possibly created job would be wrong.
		expect(errorText(error)).not.toMatch(/not sent again/i);
		expect(run.logs.filter((l) => /submit: ECONNREFUSED, retrying/.test(l))).toHaveLength(2);
	});
});

describe('status checks are retried, bounded, with exponential backoff and jitter', () => {
	const env = useEnv({ jobMs: 300 });

	const transient: Array<[string, Record<string, unknown>]> = [
		['a 429 without Retry-After', { type: 'status', status: 429 }],
		['a 500', { type: 'status', status: 500 }],
		['a 502', { type: 'status', status: 502 }],
		['a 503', { type: 'status', status: 503 }],
		['a 504', { type: 'status', status: 504 }],
		['an HTML 502 page', { type: 'html' }],
		['a dropped connection', { type: 'drop' }],
		['a reset after the answer was computed', { type: 'dropAfterAccept' }],
		['a malformed 200 body', { type: 'malformed' }],
		['an empty 200 body', { type: 'empty' }],
		['no answer within Request Timeout', { type: 'hang' }],
	];

	it.each(transient)(
		'a status check that gets %s is retried and the job still succeeds',
		async (_label, fault) => {
			env.sim.enqueueFaults({ endpoint: 'poll', ...fault } as any);
			const { run, items, error } = await runInpaint(
				env,
				submitParams(env, { options: { ...quick, requestTimeout: 0.5 } }),
			);
			expect(error).toBeUndefined();
			expect(run.status).toBe('success');
			expect(items[0].json.status).toBe('succeeded');
			const polls = requestsTo(env, 'poll');
			expect(polls[0].fault).toBe(fault.type);
			expect(polls.length).toBeGreaterThanOrEqual(2);
			expect(requestsTo(env, 'submit')).toHaveLength(1);
			expect(env.sim.stats().jobsCreated).toBe(1);
			expect(env.sim.stats().duplicateSubmits).toBe(0);
		},
	);

	it('status checks that keep failing are retried until the Job Timeout (not Max Retries), then the item fails with its jobSetId and status', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 503, times: 1000 });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetries: 1, timeout: 1.5 } }),
			{
				continueOnFail: true,
			},
		);
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		const polls = requestsTo(env, 'poll');
		// More than the first check and Max Retries (1): the job's deadline bounds the retries.
		expect(polls.length).toBeGreaterThan(2);
		expect(polls.every((r: any) => r.status === 503)).toBe(true);
		expect(items).toHaveLength(1);
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.httpCode).toBe(503);
		// the last status the API reported for the job: the submit's "pending"
		expect(items[0].json.status).toBe('pending');
		expect(items[0].json.error).toMatch(/server error \(503\)/);
		expect(String(items[0].json.description)).toMatch(/retried for 1\.5 s/);
	});

	it('a 401 on a status check is not retried: the key will not become valid by asking again', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 401 });
		const { error } = await runInpaint(env, submitParams(env, { options: quick }));
		expectClearError(error);
		expect(String(error.httpCode)).toBe('401');
		expect(requestsTo(env, 'poll')).toHaveLength(1);
	});

	it('the pause between status-check retries doubles each time (backoff is exponential)', async () => {
		// retryDelay 0.2 s: retry k waits between 0.1·2^k and 0.2·2^k s.
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 500, times: 3 });
		const { run } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, retryDelay: 0.2 } }),
		);
		expect(run.status).toBe('success');
		const [g1, g2, g3] = gaps(env, 'poll');
		expect(g1).toBeGreaterThanOrEqual(100 - TOLERANCE_MS);
		expect(g2).toBeGreaterThanOrEqual(200 - TOLERANCE_MS);
		expect(g3).toBeGreaterThanOrEqual(400 - TOLERANCE_MS);
		// The ranges [100, 200] and [400, 800] do not overlap: the third wait is longer than the first.
		expect(g3).toBeGreaterThan(g1);
	});

	it('retries of different items are spread out instead of arriving together', async () => {
		const count = 8;
		// The status endpoint fails for 1.5 s from the first check on: the first checks of the jobs
		// all fall in it, even on a loaded machine (any that come later are left out below).
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 1500, status: 500 });
		const items = Array.from({ length: count }, (_, n) => ({
			json: { prompt: `Change to lion ${n}` },
		}));
		const { run } = await runInpaint(
			env,
			submitParams(env, {
				prompt: '={{ $json.prompt }}',
				options: { ...quick, retryDelay: 0.4, concurrency: count },
			}),
			{ items },
		);
		expect(run.status).toBe('success');
		// Per job whose first check failed: the gap to its next check (its backoff is 200 to 400 ms,
		// and a failing host is checked one request at a time on top of that).
		const byJob = new Map<string, Array<{ time: number; status: number | null }>>();
		for (const r of requestsTo(env, 'poll')) {
			const id = (r.body as any).job_set_id as string;
			byJob.set(id, [...(byJob.get(id) ?? []), r]);
		}
		const failedFirst = [...byJob.values()].filter((polls) => polls[0].status === 500);
		expect(failedFirst.length).toBeGreaterThanOrEqual(4);
		const retryGaps = failedFirst.map((polls) => polls[1].time - polls[0].time);
		for (const g of retryGaps) expect(g).toBeGreaterThanOrEqual(200 - TOLERANCE_MS);
		// Without jitter and pacing they would all wait the same and arrive together.
		const retries = failedFirst.map((polls) => polls[1].time).sort((a, b) => a - b);
		expect(retries[retries.length - 1] - retries[0]).toBeGreaterThanOrEqual(20);
	});
});

describe('Retry-After is honoured, in seconds or as an HTTP date, up to Max Pause on 429', () => {
	const env = useEnv({ jobMs: 300 });

	it('a status check answered 429 with Retry-After in seconds is asked again only after that time', async () => {
		env.sim.enqueueFaults({
			endpoint: 'poll',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '1' },
		});
		const { run } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].status).toBe(429);
		expect(polls[1].time - polls[0].time).toBeGreaterThanOrEqual(1000 - TOLERANCE_MS);
	});

	it('a 429 with Retry-After as an HTTP date is asked again only after that date', async () => {
		// The date is set when the first status check arrives, 1.5 to 2.5 s after it (a whole second,
		// so that the HTTP date, of second precision, is exact), and that same check gets the 429.
		let retryAt = Number.POSITIVE_INFINITY;
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'poll' || retryAt !== Number.POSITIVE_INFINITY) return;
			retryAt = Math.ceil((entry.time + 1500) / 1000) * 1000;
			env.sim.enqueueFaults({
				endpoint: 'poll',
				type: 'status',
				status: 429,
				headers: { 'Retry-After': new Date(retryAt).toUTCString() },
			});
		});
		const { run } = await runInpaint(env, submitParams(env, { options: quick }));
		expect(run.status).toBe('success');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].status).toBe(429);
		expect(polls[0].time).toBeLessThan(retryAt);
		expect(polls[1].time).toBeGreaterThanOrEqual(retryAt - TOLERANCE_MS);
	});

	it('a Retry-After longer than Max Pause on 429 is cut to that pause', async () => {
		env.sim.enqueueFaults({
			endpoint: 'poll',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '30' },
		});
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetryAfter: 1 } }),
		);
		expect(run.status).toBe('success');
		expect(items[0].json.status).toBe('succeeded');
		const [gap] = gaps(env, 'poll');
		expect(gap).toBeGreaterThanOrEqual(1000 - TOLERANCE_MS);
		// Honouring the 30 s would have meant a gap of at least 30 s: the cap was applied.
		expect(gap).toBeLessThan(30_000);
	});
});
