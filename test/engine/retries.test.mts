// What is retried, what never is, and how long the node waits in between. A submit is sent again
// only when the API certainly did not take it, since each one may be a billable job; status
// checks are safe to repeat, so they are retried with exponential backoff and jitter until the Job
// Timeout. n8n's own Retry On Fail would re-run every submit, so the node refuses it on Submit.
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import {
	closedPort,
	fast,
	fastRetries,
	runInpaint,
	runItems,
	slowPoll,
	submitParams,
	useEnv,
} from './env.mts';
import {
	checksByJob,
	errorText,
	expectClearError,
	expectNothingSent,
	requestsTo,
	WAIT_TOLERANCE_MS,
} from './checks.mts';

const quick = fastRetries(3);

/** Gaps (ms) between successive status checks, in arrival order. */
function pollGaps(env: Env): number[] {
	const times = requestsTo(env, 'poll').map((r: any) => r.time as number);
	return times.slice(1).map((t, i) => t - times[i]);
}

describe('a submit is never sent twice unless the API certainly did not take it', () => {
	const env = useEnv();

	/** Runs one submit whose answer is `fault`: it is reported and was sent once. */
	async function submitMeeting(fault: Record<string, unknown>, options: object = quick) {
		env.sim.enqueueFaults({ endpoint: 'submit', ...fault } as any);
		const result = await runInpaint(env, submitParams(env, { options }));
		expectClearError(result.error);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		return result;
	}

	it.each([500, 502, 503, 504])(
		'a %i on submit is reported with its status and never re-sent',
		async (status) => {
			const { error } = await submitMeeting({ type: 'status', status });
			expect(error.constructor.name).toBe('NodeApiError');
			expect(String(error.httpCode)).toBe(String(status));
			expect(errorText(error)).toMatch(/not sent again/i);
			expect(requestsTo(env, 'poll')).toHaveLength(0);
		},
	);

	it('an HTML gateway page (502) on submit is reported with its text and never re-sent', async () => {
		const { error } = await submitMeeting({ type: 'html' });
		expect(String(error.httpCode)).toBe('502');
		expect(errorText(error)).toContain('502 Bad Gateway');
		expect(errorText(error)).not.toContain('<html>');
	});

	it('a connection reset after the API accepted the submit is reported without inviting an immediate retry, and the job is not created twice', async () => {
		const { error } = await submitMeeting({ type: 'dropAfterAccept' });
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.description).toMatch(/not sent again/i);
		// The job may exist: "retry immediately" would create a second, billable one.
		expect(error.message).not.toMatch(/retry the request immediately/i);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(env.sim.stats().duplicateSubmits).toBe(0);
	});

	it('a connection dropped before any answer on submit is reported and never re-sent', async () => {
		const { error } = await submitMeeting({ type: 'drop' });
		expect(errorText(error)).toMatch(/not sent again/i);
	});

	it('a submit left without an answer is given up after Request Timeout, reported, and never re-sent', async () => {
		const { run, error } = await submitMeeting({ type: 'hang' }, { ...quick, requestTimeout: 0.5 });
		expect(run.status).toBe('error');
		expect(error.message).toMatch(/No answer .* within 0\.5 s/);
		expect(errorText(error)).toMatch(/not sent again/i);
	});

	it('a 200 with a malformed body on submit is reported and never re-sent', async () => {
		await submitMeeting({ type: 'malformed' });
	});

	it('a submit refused before it was sent (connection refused) is retried up to Max Retries', async () => {
		const port = await closedPort();
		const { error, run } = await runInpaint(env, submitParams(env, { options: fastRetries(2) }), {
			credentials: { submitBaseUrl: `http://127.0.0.1:${port}/submit` },
		});
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
			{ continueOnFail: true },
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

	it('a 20 s outage of the status endpoint inside a 90 s Job Timeout: every item succeeds, one submit each', async () => {
		env.sim.configure({ jobMs: 1000 });
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 20_000 });
		const { run, items } = await runItems(env, 5, { ...slowPoll, timeout: 90, maxRetries: 1 });
		expect(run.status).toBe('success');
		expect(items.filter((i) => i.json.status === 'succeeded')).toHaveLength(5);
		const stats = env.sim.stats();
		expect(stats.faultsInjected.outage).toBeGreaterThan(5); // more than Max Retries would have allowed
		expect(stats.jobsCreated).toBe(5);
		expect(stats.duplicateSubmits).toBe(0);
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
		const [g1, g2, g3] = pollGaps(env);
		expect(g1).toBeGreaterThanOrEqual(100 - WAIT_TOLERANCE_MS);
		expect(g2).toBeGreaterThanOrEqual(200 - WAIT_TOLERANCE_MS);
		expect(g3).toBeGreaterThanOrEqual(400 - WAIT_TOLERANCE_MS);
		// The ranges [100, 200] and [400, 800] do not overlap: the third wait is longer than the first.
		expect(g3).toBeGreaterThan(g1);
	});

	it('retries of different items are spread out instead of arriving together', async () => {
		const count = 8;
		// The first status check of every job fails, whenever it comes.
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 500, eachJob: 1 });
		const { run } = await runItems(env, count, { ...quick, retryDelay: 0.4, concurrency: count });
		expect(run.status).toBe('success');
		// Per job: the gap from its failed first check to its next one (its backoff is 200 to 400 ms,
		// and a failing host is checked one request at a time on top of that).
		const checks = [...checksByJob(env).values()];
		expect(checks).toHaveLength(count);
		for (const polls of checks) expect(polls.map((r) => r.status).slice(0, 2)).toEqual([500, 200]);
		const retryGaps = checks.map((polls) => polls[1].time - polls[0].time);
		for (const g of retryGaps) expect(g).toBeGreaterThanOrEqual(200 - WAIT_TOLERANCE_MS);
		// Without jitter and pacing they would all wait the same and arrive together.
		const retries = checks.map((polls) => polls[1].time).sort((a, b) => a - b);
		expect(retries[retries.length - 1] - retries[0]).toBeGreaterThanOrEqual(20);
	});
});

describe("n8n's Retry On Fail on the node", () => {
	const env = useEnv();
	/** n8n's own Retry On Fail, as the node's Settings tab stores it (no pause between tries). */
	const retryOnFail = { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 };

	it('on Submit is refused before anything is sent, with what to do instead', async () => {
		const { run, items, error } = await runInpaint(env, submitParams(env, { options: fast }), {
			nodeSettings: retryOnFail,
		});
		expect(run.status).toBe('error');
		expect(items).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Retry On Fail/);
		expect(error.description).toMatch(/Max Retries/);
		// n8n retried the node maxTries times; not one of those tries reached the API.
		expectNothingSent(env);
	});

	it('on Submit with On Error → Continue gives every item an error item naming the setting, and sends nothing', async () => {
		const { items, error } = await runInpaint(env, submitParams(env, { options: fast }), {
			nodeSettings: retryOnFail,
			continueOnFail: true,
			items: [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }],
		});
		expect(error).toBeUndefined();
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		for (const item of items) {
			expect(item.json).toMatchObject({
				error: 'Turn off Retry On Fail for this Submit node',
				jobSetId: null,
			});
		}
		expectNothingSent(env);
	});

	it('is refused because n8n re-runs a node whose first item failed under Continue (seen here on Get Results)', async () => {
		// Get Results on a job the API does not know: one status check per run, answered 404.
		const { items } = await runInpaint(
			env,
			{ operation: 'getResults', jobSetId: 'jobset_unknown_0000', options: fast },
			{ nodeSettings: retryOnFail, continueOnFail: true },
		);
		expect(items[0].json.httpCode).toBe(404);
		// n8n ran the node maxTries (3) times: on Submit, that would be three submits of every item.
		expect(requestsTo(env, 'poll')).toHaveLength(3);
	});

	it('on Get Results is allowed: a status check is safe to repeat', async () => {
		const submitted = await runInpaint(
			env,
			submitParams(env, { waitForCompletion: false, options: fast }),
		);
		const jobSetId = submitted.items[0].json.jobSetId as string;
		const { items, error } = await runInpaint(
			env,
			{ operation: 'getResults', jobSetId, waitForCompletion: true, options: fast },
			{ nodeSettings: retryOnFail },
		);
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ status: 'succeeded', jobSetId });
	});
});
