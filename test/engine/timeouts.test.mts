// Options > Job Timeout. A job that outlives it is handed over with its jobSetId, never lost: as an
// error naming how to fetch it later, or, with On Timeout "Return the Job", as a normal item for
// Get Results. The timeout holds through a rate-limit pause and an outage, and Get Results counts
// it from its own start.
import { describe, expect, it } from 'vitest';

import { fast, fastRetries, runInpaint, runItems, submitParams, useEnv } from './env.mts';
import { rateLimited } from './faults.mts';
import { errorText, jobOf, requestsTo, WAIT_TOLERANCE_MS } from './checks.mts';

const quick = fastRetries(2);
const SLOW = 'Change to a lion [sim:ms=60000]';
const timedOut = { ...quick, timeout: 1 };
/** Each item's own prompt from `$json.prompt`, waited for 1 s. */
const perItem = { prompt: '={{ $json.prompt }}', options: timedOut };

describe('a job that outlives the Job Timeout is handed over with its jobSetId', () => {
	const env = useEnv();

	it('the timeout error names the jobSetId, the last status and how to fetch the job later', async () => {
		const { run, error } = await runInpaint(
			env,
			submitParams(env, { prompt: SLOW, options: timedOut }),
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
		const { run, items: out } = await runInpaint(env, submitParams(env, perItem), {
			items,
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(out).toHaveLength(2);
		expect(out[0].json).toMatchObject({ jobSetId: jobOf(env, SLOW).jobSetId, status: 'pending' });
		expect(out[0].json.error).toMatch(/did not finish within 1 s/);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[1].json.status).toBe('succeeded');
		expect(out[1].json.imageUrl).toEqual(expect.any(String));
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	it('without Continue On Fail a timeout on one item lists the jobs the API accepted for the others', async () => {
		const items = [{ json: { prompt: SLOW } }, { json: { prompt: `${SLOW} tiger` } }];
		const { error } = await runInpaint(env, submitParams(env, perItem), { items });
		expect(error).toBeTruthy();
		const ids = env.sim.stats().jobs.map((j: any) => j.jobSetId);
		expect(ids).toHaveLength(2);
		for (const id of ids) expect(errorText(error)).toContain(id);
	});

	it('On Timeout "Return the Job" outputs the running job as a normal item, ready for Get Results', async () => {
		// A job of 3 s that reports "pending" until it ends, waited for 1 s.
		env.sim.configure({ statusWhileRunning: ['pending'] });
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, {
				prompt: 'Change to a lion [sim:ms=3000]',
				options: { ...timedOut, onTimeout: 'returnJob' },
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
		expect(requestsTo(env, 'poll').length).toBeGreaterThanOrEqual(1);

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
		env.sim.enqueueFaults(rateLimited('poll', 50));
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { prompt: SLOW, options: { ...timedOut, maxRetryAfter: 60 } }),
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

	it("an outage longer than the Job Timeout: each item fails at its timeout (not before) with its jobSetId and the API's error", async () => {
		env.sim.configure({ jobMs: 1000 });
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 30_000 });
		const timeout = 4;
		// Each job must meet the outage before its deadline. After a failure the host is asked one
		// check at a time, the job nearest its deadline first, so a job whose first check was not
		// yet sent would wait behind the retries of the others: checked after 0.1 s and retried
		// after 2.5 s at the soonest, every job's first check goes out before any retry.
		const { run, items: out } = await runItems(
			env,
			3,
			{ timeout, retryDelay: 5 },
			{ continueOnFail: true },
		);
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

describe('Get Results with Wait for Completion counts its Job Timeout from its own start', () => {
	const env = useEnv({ jobMs: 200 });

	it('a job submitted 2 s earlier, Job Timeout 1 s: Get Results still checks it for its own second before timing out', async () => {
		const submitted = await runInpaint(
			env,
			submitParams(env, { prompt: SLOW, waitForCompletion: false, options: fast }),
		);
		expect(submitted.run.status).toBe('success');
		const jobSetId = submitted.items[0].json.jobSetId as string;
		const [job] = env.sim.stats().jobs;
		expect(job.jobSetId).toBe(jobSetId);
		// Not before 2 s after the job was accepted: past a 1 s Job Timeout counted from the submit.
		await new Promise((resolve) =>
			setTimeout(resolve, Math.max(0, job.createdAt + 2000 - Date.now())),
		);

		const startedBefore = Date.now();
		const { run, items } = await runInpaint(
			env,
			{
				operation: 'getResults',
				jobSetId,
				waitForCompletion: true,
				options: { ...fast, timeout: 1 },
			},
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		const polls = requestsTo(env, 'poll');
		expect(polls.every((r: any) => r.time >= job.createdAt + 2000)).toBe(true);
		// Counted from the submit, the deadline would have passed before the first check: one check,
		// then the timeout. Counted from its own start, it checks every 0.1 s for a second.
		expect(polls.length).toBeGreaterThan(2);
		// Its last check is made at its deadline, not before a second after it started.
		expect(polls[polls.length - 1].time).toBeGreaterThanOrEqual(
			startedBefore + 1000 - WAIT_TOLERANCE_MS,
		);
		expect(items[0].json.error).toBe(
			`Job ${jobSetId} did not finish within 1 s (last status: pending)`,
		);
		expect(items[0].json.jobSetId).toBe(jobSetId);
	});
});
