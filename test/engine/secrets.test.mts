// The subscription key never leaks: not into output items, errors (message, description, stack,
// the properties n8n copies), the run data n8n stores or the log lines, even when the API echoes it
// back in an answer, an error page or a failed job's reason.
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { InpaintRun } from './env.mts';
import { closedPort, fast, runInpaint, submitParams, useEnv } from './env.mts';
import { answeredWith } from './faults.mts';

const SECRET = 'sk-test-SECRET-123456789';

/** JSON of anything, circular references cut. */
function dump(value: unknown): string {
	const seen = new WeakSet<object>();
	const text = JSON.stringify(value, (_key, v: unknown) => {
		if (v && typeof v === 'object') {
			if (seen.has(v)) return '[circular]';
			seen.add(v);
		}
		return typeof v === 'bigint' ? String(v) : v;
	}) as string | undefined;
	return text ?? '';
}

/** An error's own properties (errorResponse, context, messages…), which n8n copies into run data and logs. */
function ownProperties(error: object): Record<string, unknown> {
	return Object.fromEntries(
		Object.getOwnPropertyNames(error).map((name) => [name, (error as any)[name]]),
	);
}

/** Everything a user, a log collector or n8n's database gets from a run. */
function expectNoSecret({ run, items, error }: InpaintRun) {
	expect(dump(items), 'output items').not.toContain(SECRET);
	if (error) {
		expect(String(error.message), 'error message').not.toContain(SECRET);
		expect(String(error.description ?? ''), 'error description').not.toContain(SECRET);
		expect(String(error.stack ?? ''), 'error stack').not.toContain(SECRET);
		expect(JSON.stringify(error), 'error as JSON').not.toContain(SECRET);
		expect(
			dump(ownProperties(error)),
			'error properties (errorResponse, context, messages)',
		).not.toContain(SECRET);
	}
	expect(dump(run.error), 'workflow error').not.toContain(SECRET);
	expect(dump(run.runData), 'run data n8n stores').not.toContain(SECRET);
	for (const line of run.logs) expect(line, 'log line').not.toContain(SECRET);
}

describe('the subscription key never leaks', () => {
	const env = useEnv({ key: SECRET });

	it("is really sent (sanity check of this file's set-up)", async () => {
		const result = await runInpaint(env, submitParams(env, { options: fast }));
		expect(result.items[0].json.status).toBe('succeeded');
		expect(env.sim.requests()[0].headers['ocp-apim-subscription-key']).toBe(SECRET);
	});

	it('not in a successful run with downloaded images, nor its logs', async () => {
		const result = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, downloadImages: true } }),
			{
				binaryMode: 'filesystem',
			},
		);
		expect(result.items[0].binary?.data).toBeDefined();
		expectNoSecret(result);
	});

	it('not in the output when the API echoes it inside a successful answer', async () => {
		const body = {
			imageUrl: env.sim.sampleImageUrl,
			debug: `received header ${SECRET}`,
			[SECRET]: 1,
		};
		env.sim.enqueueFaults(answeredWith('submit', body));
		const result = await runInpaint(env, submitParams(env, { options: fast }));
		expect(result.items[0].json.status).toBe('succeeded');
		expect(result.items[0].json.imageUrl).toBe(env.sim.sampleImageUrl);
		expectNoSecret(result);
	});

	it.each([400, 401])('not in the error when a %s answer echoes it back', async (status) => {
		env.sim.enqueueFaults({
			...answeredWith('submit', { error: `bad header ${SECRET}` }, status),
			times: 5,
		});
		const result = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, maxRetries: 0 } }),
		);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error.httpCode).toBe(String(status));
		// The API's words are still passed on, with the key masked.
		expect(result.error.description).toContain('bad header');
		expectNoSecret(result);
	});

	it('not in the error when an HTML error page on the status check echoes it', async () => {
		env.sim.enqueueFaults([
			{
				endpoint: 'poll',
				type: 'status',
				status: 502,
				body: `<html><body>Bad gateway for key ${SECRET}</body></html>`,
				times: 1000,
			},
		]);
		// Status checks are retried until the Job Timeout: a short one ends the run with the API's error.
		const result = await runInpaint(env, submitParams(env, { options: { ...fast, timeout: 1 } }));
		expect(result.error).toBeInstanceOf(NodeApiError);
		expectNoSecret(result);
	});

	it("not in the error when a failed job's reason quotes it", async () => {
		env.sim.configure({ failureReason: `key ${SECRET} not allowed for this model` });
		const result = await runInpaint(
			env,
			submitParams(env, { prompt: 'x [sim:outcome=failed]', options: fast }),
		);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error.message).toContain('not allowed for this model');
		expectNoSecret(result);
	});

	it('not in a network error (status checks going to a closed port)', async () => {
		const port = await closedPort();
		const result = await runInpaint(env, submitParams(env, { options: { ...fast, timeout: 1 } }), {
			credentials: { pollBaseUrl: `http://127.0.0.1:${port}/poll` },
		});
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(`${result.error.message} ${result.error.description}`).toMatch(
			/refused|ECONNREFUSED|reach/i,
		);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expectNoSecret(result);
	});

	it('not in a network error on submit (connection refused)', async () => {
		const port = await closedPort();
		const result = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, maxRetries: 0 } }),
			{
				credentials: { submitBaseUrl: `http://127.0.0.1:${port}/submit` },
			},
		);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expectNoSecret(result);
	});

	it('not in a job timeout error', async () => {
		const result = await runInpaint(
			env,
			submitParams(env, { prompt: 'slow [sim:ms=30000]', options: { ...fast, timeout: 1 } }),
		);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error.message).toMatch(/did not finish/);
		expectNoSecret(result);
	});

	it('not in a request timeout error (the API never answers)', async () => {
		env.sim.enqueueFaults([{ endpoint: 'poll', type: 'hang', times: 1000 }]);
		const result = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, timeout: 2, requestTimeout: 1 } }),
		);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error.message).toMatch(/No answer|timed? ?out/i);
		expectNoSecret(result);
	});

	it('not in Continue On Fail error items (echoing API error, failed job, invalid item)', async () => {
		env.sim.configure({ failureReason: `quota of ${SECRET} used up` });
		env.sim.enqueueFaults([
			{ endpoint: 'submit', type: 'status', status: 400, body: { error: `bad header ${SECRET}` } },
		]);
		const result = await runInpaint(
			env,
			submitParams(env, {
				prompt: '={{ $json.prompt }}',
				options: { ...fast, maxRetries: 0, concurrency: 1 },
			}),
			{
				continueOnFail: true,
				items: [
					{ json: { prompt: 'echoed 400' } },
					{ json: { prompt: 'x [sim:outcome=failed]' } },
					{ json: { prompt: ' ' } },
					{ json: { prompt: 'fine' } },
				],
			},
		);
		expect(result.items).toHaveLength(4);
		expect(result.items[0].json.httpCode).toBe(400);
		expect(result.items[0].json.description).toContain('bad header');
		expect(result.items[1].json.error).toContain('used up');
		expect(result.items[2].json.error).toMatch(/prompt/i);
		expect(result.items[3].json.status).toBe('succeeded');
		expectNoSecret(result);
	});
});
