// How the API's errors reach the user: each documented status becomes a NodeApiError that says
// what happened and what to do, carries the HTTP code and keeps the API's own explanation; a
// non-JSON answer, a connection refused and a job without an image read as plain words too.
import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import {
	closedPort,
	failFast,
	fast,
	fastRetries,
	runInpaint,
	submitParams,
	useEnv,
} from './env.mts';
import { errorText, expectClearError, requestsTo } from './checks.mts';

const DOCUMENTED: Array<{ status: number; message: RegExp; description: RegExp }> = [
	{ status: 400, message: /invalid|rejected/i, description: /prompt|URL|field/i },
	{
		status: 401,
		message: /key.*rejected|rejected.*key/i,
		description: /Subscription Key.*credential/i,
	},
	{ status: 403, message: /access/i, description: /access|subscribe/i },
	{ status: 404, message: /not found/i, description: /Base URL|credential/i },
	{ status: 429, message: /rate limit/i, description: /No job was created.*later/i },
	{ status: 500, message: /server error|failed/i, description: /not sent again|not re-?sent/i },
];

describe('API errors', () => {
	const env = useEnv();

	describe.each(DOCUMENTED)('HTTP $status on submit', ({ status, message, description }) => {
		it(`fails with a NodeApiError carrying httpCode "${status}", saying what happened and what to do`, async () => {
			env.sim.enqueueFaults([{ endpoint: 'submit', type: 'status', status, times: 1000 }]);
			const { run, items, error } = await runInpaint(env, submitParams(env, { options: failFast }));
			expect(run.status).toBe('error');
			expect(items).toHaveLength(0);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe(String(status));
			expect(error.message).toMatch(message);
			expect(error.message).toContain(String(status));
			expect(error.description).toMatch(description);
			expect(error.context?.itemIndex).toBe(0);
			expectClearError(error);
			// A 429 was not taken by the API: it alone is sent again, until the Job Timeout.
			if (status !== 429) expect(requestsTo(env, 'submit')).toHaveLength(1);
			expect(env.sim.stats().jobsCreated).toBe(0);
			expect(env.sim.stats().requests.poll).toBe(0);
		});
	});

	it("passes the API's own explanation of a 400 on to the user", async () => {
		env.sim.enqueueFaults([
			{
				endpoint: 'submit',
				type: 'status',
				status: 400,
				body: { error: 'Invalid request parameters', details: 'width must be 64..2048' },
			},
		]);
		const { error } = await runInpaint(env, submitParams(env, { options: failFast }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(errorText(error)).toContain('width must be 64..2048');
	});

	it('never sends a submit twice after a 500, even with retries on (the job may exist)', async () => {
		env.sim.enqueueFaults([{ endpoint: 'submit', type: 'status', status: 500, times: 10 }]);
		const { error } = await runInpaint(env, submitParams(env, { options: fastRetries(3) }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.httpCode).toBe('500');
		expect(error.description).toMatch(/not sent again/i);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('sends a submit again after a 429 (the API did not take it) and then succeeds', async () => {
		env.sim.enqueueFaults([
			{ endpoint: 'submit', type: 'status', status: 429, headers: { 'Retry-After': '0' } },
		]);
		const { items, error } = await runInpaint(env, submitParams(env, { options: fastRetries(2) }));
		expect(error).toBeUndefined();
		expect(items[0].json.status).toBe('succeeded');
		expect(requestsTo(env, 'submit')).toHaveLength(2);
		expect(env.sim.stats().jobsCreated).toBe(1);
	});

	it('retries a status check that failed with a 500 and still outputs the finished job', async () => {
		env.sim.enqueueFaults([{ endpoint: 'poll', type: 'status', status: 500, times: 2 }]);
		const { items, error } = await runInpaint(env, submitParams(env, { options: fastRetries(3) }));
		expect(error).toBeUndefined();
		expect(items[0].json.status).toBe('succeeded');
		expect(env.sim.stats().answered['500']).toBe(2);
		expect(env.sim.stats().jobsCreated).toBe(1);
	});

	it('reports a 401 from a wrong subscription key as a rejected key, without creating a job', async () => {
		const { error } = await runInpaint(env, submitParams(env, { options: fast }), {
			credentials: { subscriptionKey: 'wrong' },
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.httpCode).toBe('401');
		expect(error.message).toMatch(/key/i);
		expect(error.message).toMatch(/rejected/i);
		expect(error.description).toMatch(/Subscription Key/);
		expectClearError(error);
		expect(env.sim.stats().jobsCreated).toBe(0);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(requestsTo(env, 'submit')[0].headers['ocp-apim-subscription-key']).toBe('wrong');
	});

	describe.each(['submit', 'poll'] as const)('a non-JSON answer on %s', (endpoint) => {
		it("an HTML gateway page gives a clear error with the page's own words", async () => {
			env.sim.enqueueFaults([{ endpoint, type: 'html', times: 1000 }]);
			const { error } = await runInpaint(env, submitParams(env, { options: failFast }));
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('502');
			expect(error.message).toContain('502');
			expect(error.description).toContain('Bad Gateway');
			expect(errorText(error)).not.toMatch(/<html|<body|<h1/i);
			expectClearError(error);
		});

		it('a malformed JSON body gives a clear error saying the answer could not be used', async () => {
			env.sim.enqueueFaults([{ endpoint, type: 'malformed', times: 1000 }]);
			const { error } = await runInpaint(env, submitParams(env, { options: failFast }));
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.message).toMatch(/not a JSON object|cannot use|could not/i);
			expectClearError(error);
		});

		it('an empty body gives a clear error saying the body was empty', async () => {
			env.sim.enqueueFaults([{ endpoint, type: 'empty', times: 1000 }]);
			const { error } = await runInpaint(env, submitParams(env, { options: failFast }));
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.message).toMatch(/empty/i);
			expectClearError(error);
		});
	});

	it('a submit answered with a non-JSON body is not sent again (the job may exist)', async () => {
		env.sim.enqueueFaults([{ endpoint: 'submit', type: 'malformed', times: 10 }]);
		const { error } = await runInpaint(env, submitParams(env, { options: fastRetries(3) }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.description).toMatch(/not sent again/i);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it("a status check that keeps failing names the accepted job's jobSetId, so it can be fetched later", async () => {
		for (const fault of [
			{ endpoint: 'poll' as const, type: 'html' as const, times: 1000 },
			{ endpoint: 'poll' as const, type: 'empty' as const, times: 1000 },
			{ endpoint: 'poll' as const, type: 'status' as const, status: 503, times: 1000 },
		]) {
			env.sim.reset();
			env.sim.enqueueFaults([fault]);
			const { error } = await runInpaint(env, submitParams(env, { options: failFast }));
			const [job] = env.sim.stats().jobs;
			expect(job?.jobSetId).toMatch(/^jobset_/);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(errorText(error), `${fault.type} on poll`).toContain(job.jobSetId);
		}
	});

	it("a failed job's error carries no HTTP code (it was not an HTTP error), not the job's status word", async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: 'x [sim:outcome=failed]', options: fast }),
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/failed/);
		// httpCode is shown as "Error code" in n8n; "failed" there is not an HTTP code.
		expect(error.httpCode ?? null).toBeNull();
	});

	it('a job that succeeded without an image URL fails clearly, with no made-up HTTP code', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: 'x [sim:nourl]', options: fast }),
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/no image URL/i);
		expect(error.httpCode ?? null).toBeNull();
	});

	it('a submit answer with neither image nor job id fails clearly and is not sent again', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: 'x [sim:noimage]', options: fastRetries(3) }),
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/image URL.*job_set_id|job_set_id.*image/i);
		expectClearError(error);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a connection refused on the status checks names the host it could not reach', async () => {
		const port = await closedPort();
		const { error } = await runInpaint(env, submitParams(env, { options: failFast }), {
			credentials: { pollBaseUrl: `http://127.0.0.1:${port}/poll` },
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(errorText(error)).toContain(`127.0.0.1:${port}`);
		expect(env.sim.stats().jobsCreated).toBe(1);
	});
});
