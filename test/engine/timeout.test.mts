// Reliability, part 3: a job that outlives Options > Job Timeout is handed over, never lost, and every
// request has its own timeout so a hung connection cannot hold the worker.
import { describe, expect, it } from 'vitest';

import { requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

const quick = { pollInterval: 0.2, retryDelay: 0.1, maxRetries: 2 };
const SLOW = 'Change to a lion [sim:ms=60000]';

describe('a job that outlives the timeout is handed over with its jobSetId', () => {
	const env = useEnv();

	it('the timeout error names the jobSetId, the last status and how to fetch the job later', async () => {
		const { run, error } = await runInpaint(
			env,
			submitParams(env, { prompt: SLOW, options: { ...quick, timeout: 1 } }),
		);
		expect(run.status).toBe('error');
		const [job] = env.sim.stats().jobs;
		expect(error.message).toContain(job.jobSetId);
		expect(error.message).toMatch(/did not finish within 1 s/);
		// The simulator reports "pending" for the first 20 % of the job (12 s here).
		expect(error.message).toContain('last status: pending');
		expect(error.description).toContain('Get Results');
		expect(error.description).toContain(job.jobSetId);
		expect(env.sim.stats().jobsCreated).toBe(1);
	});

	it('with Continue On Fail the timed-out item carries its jobSetId and status, and the other items go on', async () => {
		const items = [{ json: { prompt: SLOW } }, { json: { prompt: 'Change to a tiger' } }];
		const { run, items: out } = await runInpaint(
			env,
			submitParams(env, { prompt: '={{ $json.prompt }}', options: { ...quick, timeout: 1 } }),
			{ items, continueOnFail: true },
		);
		expect(run.status).toBe('success');
		expect(out).toHaveLength(2);
		const slowJob = env.sim.stats().jobs.find((j: any) => j.prompt === SLOW)!;
		expect(out[0].json).toMatchObject({ jobSetId: slowJob.jobSetId, status: 'pending' });
		expect(out[0].json.error).toMatch(/did not finish within 1 s/);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[1].json.status).toBe('succeeded');
		expect(out[1].json.imageUrl).toEqual(expect.any(String));
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	it('On Timeout "Return the Job" outputs the running job as a normal item, ready for Get Results', async () => {
		// A job of 3 s that reports "pending" until it ends, waited for 1 s.
		env.sim.configure({ statusWhileRunning: ['pending'] });
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, {
				prompt: 'Change to a lion [sim:ms=3000]',
				options: { ...quick, timeout: 1, onTimeout: 'returnJob' },
			}),
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({
			jobSetId: job.jobSetId,
			status: 'pending',
			imageUrl: null,
			imageUrls: [],
		});
		expect(items[0].json.error).toBeUndefined();

		// The handed-over job is fetched later with Get Results (here waiting until it is done): its
		// images come out, and nothing is submitted again.
		const later = await runInpaint(env, {
			operation: 'getResults',
			jobSetId: items[0].json.jobSetId,
			waitForCompletion: true,
			options: { ...quick, timeout: 60 },
		});
		expect(later.error).toBeUndefined();
		expect(later.items).toHaveLength(1);
		expect(later.items[0].json).toMatchObject({
			jobSetId: job.jobSetId,
			status: 'succeeded',
			imageUrl: expect.stringMatching(/\/results\/.+\.png$/),
		});
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(env.sim.stats().jobs[0].firstSucceededPollAt).not.toBeNull();
	});

	it('the timeout holds during a rate-limit pause: the job is handed over at the timeout, not after the pause', async () => {
		// Retry-After 50 s (allowed up to 60 s) on the first status check of a job with a 1 s timeout.
		env.sim.enqueueFaults({
			endpoint: 'poll',
			type: 'status',
			status: 429,
			headers: { 'Retry-After': '50' },
		});
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { prompt: SLOW, options: { ...quick, timeout: 1, maxRetryAfter: 60 } }),
			{ continueOnFail: true },
		);
		const returnedAt = Date.now();
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].json).toMatchObject({ jobSetId: job.jobSetId, status: 'pending' });
		expect(items[0].json.error).toMatch(/did not finish within 1 s/);
		// The node did not sit out the pause: it returned before the 50 s were over.
		const polls = requestsTo(env, 'poll');
		expect(polls[0].status).toBe(429);
		expect(returnedAt).toBeLessThan(polls[0].time + 50_000);
	});

	it('without Continue On Fail a timeout on one item lists the jobs the API accepted for the others', async () => {
		const items = [{ json: { prompt: SLOW } }, { json: { prompt: `${SLOW} tiger` } }];
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: '={{ $json.prompt }}', options: { ...quick, timeout: 1 } }),
			{ items },
		);
		expect(error).toBeTruthy();
		const ids = env.sim.stats().jobs.map((j: any) => j.jobSetId);
		expect(ids).toHaveLength(2);
		for (const id of ids) expect(`${error.message} ${error.description}`).toContain(id);
	});
});

describe('every request has a timeout, so a hung connection cannot hold the worker', () => {
	const env = useEnv();

	it('a status check that never gets an answer is abandoned after Request Timeout and the job still succeeds', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang' });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, requestTimeout: 0.5 } }),
		);
		expect(run.status).toBe('success');
		expect(items[0].json.status).toBe('succeeded');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].fault).toBe('hang');
		expect(polls[1].time - polls[0].time).toBeGreaterThanOrEqual(500 - 5);
	});

	it('status checks that always hang end in a timeout error that carries the jobSetId', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang', times: 1000 });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, timeout: 1.5, requestTimeout: 0.3 } }),
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.error).toMatch(/No answer .* within 0\.3 s/);
		expect(items[0].json.description).toMatch(/retried for 1\.5 s.*Job Set ID/);
		// Retried until the Job Timeout, not Max Retries: every check hung.
		const polls = requestsTo(env, 'poll');
		expect(polls.length).toBeGreaterThan(2);
		expect(polls.every((r: any) => r.fault === 'hang')).toBe(true);
	});

	it('a result download that never arrives is given up after Request Timeout with a clear error', async () => {
		env.sim.configure({ resultDownloadDelayMs: 20_000 });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, {
				options: { ...quick, maxRetries: 0, requestTimeout: 0.5, downloadImages: true },
			}),
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		expect(items[0].json.error).toMatch(/download/i);
		expect(items[0].json.error).not.toMatch(/TypeError|Cannot read prop/);
	});
});
