// The smaller defects of issue #11 (point 5), each through the engine: a status answer with
// `error: null` and no status word is a running job; a result URL with a malformed % escape gives
// a download error, not "Unexpected failure"; Get Results with Wait for Completion counts its Job
// Timeout from its own start.
import { describe, expect, it } from 'vitest';

import { requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

const fast = { pollInterval: 0.1, retryDelay: 0.1 };

describe('a status answer { job_set_id, error: null } without a status word', () => {
	const env = useEnv({ jobMs: 400 });

	it('is read as a running job: the node keeps waiting and outputs the finished job', async () => {
		let faulted = 0;
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'poll' || faulted >= 2) return;
			faulted++;
			const [job] = env.sim.stats().jobs;
			env.sim.enqueueFaults({
				endpoint: 'poll',
				type: 'status',
				status: 200,
				body: { job_set_id: job.jobSetId, error: null },
			});
		});
		const { run, items, error } = await runInpaint(env, submitParams(env, { options: fast }));
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		const polls = requestsTo(env, 'poll');
		expect(polls.slice(0, 2).map((r: any) => [r.status, r.fault])).toEqual([
			[200, 'status'],
			[200, 'status'],
		]);
		expect(polls.length).toBeGreaterThan(2); // it went on asking after the two bare answers
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.imageUrl).toBe(`${env.sim.url}/results/${job.jobSetId}_0.png`);
	});
});

describe('a result URL with a malformed % escape in its file name', () => {
	const env = useEnv({ jobMs: 200 });
	const bad = (env: any) => `${env.sim.url}/results/bad%E0%A4%A.png`;

	/** The job "succeeds" with one image at the malformed URL. */
	function succeedWithBadUrl(env: any) {
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'poll') return;
			const [job] = env.sim.stats().jobs;
			env.sim.enqueueFaults({
				endpoint: 'poll',
				type: 'status',
				status: 200,
				body: { job_set_id: job.jobSetId, status: 'succeeded', results: [{ imageUrl: bad(env) }] },
			});
		});
	}

	it('gives a clear download error naming the image, not "Unexpected failure"', async () => {
		succeedWithBadUrl(env);
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, downloadImages: true, maxRetries: 0 } }),
			{
				continueOnFail: true,
			},
		);
		expect(run.status).toBe('success');
		// The simulator has no such image: the download is asked for and answered 404.
		expect(requestsTo(env, 'results').map((r: any) => [r.path, r.status])).toEqual([
			['/results/bad%E0%A4%A.png', 404],
		]);
		expect(items[0].json.error).toBe('Could not download result image 1 (HTTP 404)');
		expect(items[0].json.description).toContain(bad(env));
		expect(`${items[0].json.error} ${items[0].json.description}`).not.toMatch(
			/Unexpected failure|URIError|bug/,
		);
	});

	it('is downloaded when it leads to an image, under a file name made from the job', async () => {
		succeedWithBadUrl(env);
		// The image host sends the malformed URL on to the job's real image.
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'results' || !entry.path.startsWith('/results/bad')) return;
			const [job] = env.sim.stats().jobs;
			env.sim.enqueueFaults({
				endpoint: 'results',
				type: 'redirect',
				status: 302,
				location: `/results/${job.jobSetId}_0.png`,
			});
		});
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, downloadImages: true } }),
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].binary?.data?.fileName).toBe(`${job.jobSetId}-1.png`);
		expect(items[0].binary?.data?.mimeType).toBe('image/png');
	});
});

describe('Get Results with Wait for Completion counts its Job Timeout from its own start', () => {
	const env = useEnv({ jobMs: 200 });

	it('a job submitted 2 s earlier, Job Timeout 1 s: Get Results still checks it for its own second before timing out', async () => {
		const submitted = await runInpaint(
			env,
			submitParams(env, {
				prompt: 'Change to a lion [sim:ms=60000]',
				waitForCompletion: false,
				options: fast,
			}),
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
		// Its last check is made at its deadline, not before a second after it started (5 ms for
		// the clocks' rounding).
		expect(polls[polls.length - 1].time).toBeGreaterThanOrEqual(startedBefore + 1000 - 5);
		expect(items[0].json.error).toBe(
			`Job ${jobSetId} did not finish within 1 s (last status: pending)`,
		);
		expect(items[0].json.jobSetId).toBe(jobSetId);
	});
});
