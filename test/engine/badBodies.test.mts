// Answers the node cannot use, and jobs the API ended without an image, become clear errors that
// carry the jobSetId and the API's reason, never a JavaScript TypeError; an answer of an unexpected
// shape that still says what happened is read, not crashed on.
import { describe, expect, it } from 'vitest';

import { fast, fastRetries, runInpaint, submitParams, useEnv } from './env.mts';
import { answeredWith, faultOnArrival } from './faults.mts';
import { expectClearError, expectClearErrorItem, requestsTo } from './checks.mts';

const quick = fastRetries(2);
const REASON = 'The model could not process this image';

describe("a failed job becomes a NodeApiError with its jobSetId and the API's reason", () => {
	const env = useEnv({ jobMs: 200 });

	it.each(['failed', 'error', 'cancelled', 'canceled'])(
		'a job that ends "%s" fails the item with its jobSetId and reason',
		async (outcome) => {
			const { error } = await runInpaint(
				env,
				submitParams(env, { prompt: `Change to a lion [sim:outcome=${outcome}]`, options: quick }),
			);
			expectClearError(error);
			expect(error.constructor.name).toBe('NodeApiError');
			const [job] = env.sim.stats().jobs;
			expect(error.message).toContain(job.jobSetId);
			expect(error.message).toContain(REASON);
			expect(error.message).toMatch(outcome.startsWith('cancel') ? /was cancelled/ : /failed/);
			// A failed job is final: not submitted again.
			expect(requestsTo(env, 'submit')).toHaveLength(1);
		},
	);

	it("with Continue On Fail a failed job's item carries its jobSetId, status and reason", async () => {
		const items = [
			{ json: { prompt: 'Change to a lion [sim:outcome=failed]' } },
			{ json: { prompt: 'Change to a tiger' } },
		];
		const { run, items: out } = await runInpaint(
			env,
			submitParams(env, { prompt: '={{ $json.prompt }}', options: quick }),
			{ items, continueOnFail: true },
		);
		expect(run.status).toBe('success');
		const failedJob = env.sim.stats().jobs.find((j: any) => j.outcome === 'failed')!;
		expect(out[0].json).toMatchObject({ jobSetId: failedJob.jobSetId, status: 'failed' });
		expect(out[0].json.error).toContain(REASON);
		expect(out[1].json.status).toBe('succeeded');
	});

	it("a synchronous refusal ({ success: false }) fails the item with the API's reason", async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, {
				prompt: 'Change to a lion [sim:sync] [sim:outcome=failed]',
				options: quick,
			}),
		);
		expectClearError(error);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toContain(REASON);
	});

	it('Get Results on a failed job reports its jobSetId and reason', async () => {
		const submitted = await runInpaint(
			env,
			// [sim:ms=0]: the job has ended by the time Get Results asks, with no wait in the test
			submitParams(env, {
				prompt: 'Change to a lion [sim:outcome=error] [sim:ms=0]',
				waitForCompletion: false,
				options: quick,
			}),
		);
		const jobSetId = submitted.items[0].json.jobSetId;
		const [job] = env.sim.stats().jobs;
		expect(job.jobSetId).toBe(jobSetId);
		const { error } = await runInpaint(env, { operation: 'getResults', jobSetId, options: quick });
		expectClearError(error);
		expect(error.message).toContain(jobSetId);
		expect(error.message).toContain(REASON);
	});
});

describe('answers the node cannot use become clear errors, never a TypeError', () => {
	const env = useEnv({ jobMs: 200 });

	it('a 200 without an image and without a job id ([sim:noimage]) is a clear error', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: 'Change to a lion [sim:noimage]', options: quick }),
		);
		expectClearError(error);
		expect(error.message).toMatch(/neither an image URL nor a job_set_id/);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a finished job whose results carry no URL ([sim:nourl]) is a clear error with its jobSetId', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: 'Change to a lion [sim:nourl]', options: quick }),
		);
		expectClearError(error);
		const [job] = env.sim.stats().jobs;
		expect(error.message).toContain(job.jobSetId);
		expect(error.message).toMatch(/no image URL/);
	});

	it('the same, with Continue On Fail: the error item carries the jobSetId and status', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, { prompt: 'Change to a lion [sim:nourl]', options: quick }),
			{ continueOnFail: true },
		);
		const [job] = env.sim.stats().jobs;
		expect(items[0].json).toMatchObject({ jobSetId: job.jobSetId, status: 'succeeded' });
		expect(items[0].json.error).toMatch(/no image URL/);
	});

	const submitBodies: Array<[string, Record<string, unknown>, RegExp]> = [
		['an HTML page with status 200', { type: 'html', status: 200 }, /not a JSON object/],
		['malformed JSON', { type: 'malformed' }, /not a JSON object/],
		['an empty body', { type: 'empty' }, /empty body/],
		['a JSON array', { type: 'malformed', body: '[1, 2, 3]' }, /not a JSON object/],
		['JSON null', { type: 'malformed', body: 'null' }, /not a JSON object/],
		['a bare string', { type: 'malformed', body: '"ok"' }, /not a JSON object/],
		['a 500 with an HTML page', { type: 'html', status: 500 }, /server error \(500\)/],
		['a 400 with an empty body', { type: 'empty', status: 400 }, /invalid \(400\)/],
		[
			'a 503 with plain text',
			{ type: 'status', status: 503, body: 'upstream connect error' },
			/server error \(503\)/,
		],
	];

	it.each(submitBodies)(
		'a submit answered with %s is a clear error and is not re-sent',
		async (_label, fault, expected) => {
			env.sim.enqueueFaults({ endpoint: 'submit', ...fault } as any);
			const { error } = await runInpaint(env, submitParams(env, { options: quick }));
			expectClearError(error);
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.message).toMatch(expected);
			expect(requestsTo(env, 'submit')).toHaveLength(1);
		},
	);

	const pollBodies: Array<[string, Record<string, unknown>, RegExp]> = [
		['malformed JSON', { type: 'malformed' }, /not a JSON object/],
		['an empty body', { type: 'empty' }, /empty body/],
		['an HTML 502 page', { type: 'html' }, /server error \(502\)/],
		['a JSON array', { type: 'malformed', body: '[]' }, /not a JSON object/],
	];

	it.each(pollBodies)(
		'status checks answered only with %s end in a clear error that carries the jobSetId',
		async (_label, fault, expected) => {
			env.sim.enqueueFaults({ endpoint: 'poll', ...fault, times: 1000 } as any);
			const { run, items } = await runInpaint(
				env,
				submitParams(env, { options: { ...quick, maxRetries: 0, timeout: 1 } }),
				{
					continueOnFail: true,
				},
			);
			expect(run.status).toBe('success');
			const [job] = env.sim.stats().jobs;
			expect(items[0].json.jobSetId).toBe(job.jobSetId);
			expectClearErrorItem(items[0]);
			expect(items[0].json.error).toMatch(expected);
			// Waited out until the Job Timeout (Max Retries 0 would allow one check), and every check met the fault.
			const polls = requestsTo(env, 'poll');
			expect(polls.length).toBeGreaterThan(1);
			expect(polls.every((r: any) => r.fault !== null)).toBe(true);
		},
	);

	it('a status answer with an unexpected shape but a known status word is read, not crashed on', async () => {
		const body = {
			status: 'succeeded',
			results: [null, 42, { imageUrl: null }, 'not-a-url-but-a-string'],
		};
		env.sim.enqueueFaults(answeredWith('poll', body));
		const { run, items, error } = await runInpaint(env, submitParams(env, { options: quick }), {
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items).toHaveLength(1);
		const [job] = env.sim.stats().jobs;
		// Liberal in what it accepts: the status word decides; entries that are not results (null, 42)
		// are skipped, a bare string is taken as a link, and the answer is kept as it came.
		expect(items[0].json).toEqual({
			status: 'succeeded',
			jobSetId: job.jobSetId,
			imageUrl: 'not-a-url-but-a-string',
			imageUrls: ['not-a-url-but-a-string'],
			results: [
				{ imageUrl: null, jobId: null },
				{ imageUrl: 'not-a-url-but-a-string', jobId: null },
			],
			raw: body,
		});
		expect(requestsTo(env, 'poll')).toHaveLength(1);
	});

	it('a result link that is not a URL, with Download Images on, is a clear error with the jobSetId, not a crash', async () => {
		env.sim.enqueueFaults(
			answeredWith('poll', {
				status: 'succeeded',
				results: [{ imageUrl: 'not a link', job_id: 'job_1' }],
			}),
		);
		const { items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, downloadImages: true } }),
			{
				continueOnFail: true,
			},
		);
		const [job] = env.sim.stats().jobs;
		expect(items).toHaveLength(1);
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expectClearErrorItem(items[0]);
		expect(items[0].json.error).toBe(
			'The API returned an image link that is not an http(s) URL: not a link',
		);
		expect(items[0].json.description).toContain(job.jobSetId);
		expect(env.sim.stats().requests.results).toBe(0); // nothing was fetched
	});

	it('a status answer { job_set_id, error: null } without a status word is read as a running job: the node keeps waiting and outputs the finished job', async () => {
		env.sim.configure({ jobMs: 400 });
		faultOnArrival(env, 'poll', (n) => {
			if (n > 2) return undefined;
			const [job] = env.sim.stats().jobs;
			return answeredWith('poll', { job_set_id: job.jobSetId, error: null });
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
