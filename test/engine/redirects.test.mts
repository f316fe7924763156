// The key goes to the credential's two base URLs and nowhere else: a redirect
// from the API is not followed, it is an error naming the status and the target host, and nothing
// is sent again. Result downloads carry no key and do follow redirects. The "other host" is the
// eavesdropper (test/harness/eavesdropper.mjs), which records everything it gets and answers as if
// a job had succeeded there, so a followed redirect would show as a request there and as a success.
import { NodeApiError } from 'n8n-workflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
	EAVESDROPPER_ANSWER,
	EAVESDROPPER_IMAGE,
	startEavesdropper,
} from '../harness/eavesdropper.mjs';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';
import { faultOnArrival, redirectedTo } from './faults.mts';
import { fetchBytes, requestsTo } from './checks.mts';

type Spy = Awaited<ReturnType<typeof startEavesdropper>>;

const KEY_HEADER = 'ocp-apim-subscription-key';

describe('API calls do not follow redirects', () => {
	const env = useEnv({ jobMs: 300 });
	let spy: Spy;
	let spyHost: string;
	// A fresh "other host" per test, so what one test leaked cannot be blamed on the next.
	beforeEach(async () => {
		spy = await startEavesdropper();
		spyHost = new URL(spy.url).host;
	});
	afterEach(() => spy?.close());

	it('a 307 on submit to another host: that host gets nothing (no key), the item fails naming 307 and the host, nothing is re-sent', async () => {
		env.sim.enqueueFaults(redirectedTo('submit', 307, `${spy.url}/getImage`));
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, maxRetries: 4 } }),
			{
				continueOnFail: true,
			},
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(spy.requests()).toEqual([]);
		expect(items).toHaveLength(1);
		const out = items[0].json;
		expect(out.error).toBe(
			`The Pixazo API answered 307 with a redirect to ${spyHost}, which the node does not follow`,
		);
		expect(out.httpCode).toBe(307);
		// The API may have taken the submit before redirecting: said as for any unknown submit outcome.
		expect(out.description).toContain('the API may have created the job anyway');
		expect(out.description).toContain('The request was not sent again');
		expect(out.description).toContain(new URL(env.sim.submitBaseUrl).host);
		expect(out.jobSetId).toBeNull();
		// The eavesdropper's "succeeded" answer was not taken as the API's.
		expect(JSON.stringify(out)).not.toContain(EAVESDROPPER_ANSWER.job_set_id);
		// Exactly one submit reached the API (the redirected one), none after it, and no poll.
		expect(requestsTo(env, 'submit').map((r: any) => [r.status, r.fault])).toEqual([
			[307, 'redirect'],
		]);
		expect(requestsTo(env, 'poll')).toHaveLength(0);
		expect(env.sim.stats().jobsCreated).toBe(0);
	});

	it('without Continue On Fail the redirected submit stops the node with a NodeApiError carrying the 307', async () => {
		env.sim.enqueueFaults(redirectedTo('submit', 307, `${spy.url}/getImage`));
		const { run, error } = await runInpaint(env, submitParams(env, { options: fast }));
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			`The Pixazo API answered 307 with a redirect to ${spyHost}, which the node does not follow`,
		);
		expect(String(error.httpCode)).toBe('307');
		expect(error.description).toContain('The request was not sent again');
		expect(spy.requests()).toEqual([]);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('a 302 on a status check to another host: that host gets nothing, the item fails with its jobSetId, naming 302 and the host', async () => {
		env.sim.enqueueFaults(redirectedTo('poll', 302, `${spy.url}/getGenerationResults`));
		const { run, items } = await runInpaint(env, submitParams(env, { options: fast }), {
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(spy.requests()).toEqual([]);
		const [job] = env.sim.stats().jobs;
		expect(job.jobSetId).toMatch(/^jobset_/);
		const out = items[0].json;
		expect(out.error).toBe(
			`The Pixazo API answered 302 with a redirect to ${spyHost}, which the node does not follow`,
		);
		expect(out.httpCode).toBe(302);
		expect(out.jobSetId).toBe(job.jobSetId);
		expect(out.description).toContain(job.jobSetId);
		// A status check is not a submit: no "may have created the job" advice.
		expect(out.description).not.toContain('may have created the job');
		// The redirect was the only status check: not followed, not retried (the API said where it wants us to go).
		expect(requestsTo(env, 'poll').map((r: any) => [r.status, r.fault])).toEqual([
			[302, 'redirect'],
		]);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it.each([
		[301, 'submit'],
		[308, 'submit'],
		[303, 'submit'],
		[301, 'poll'],
		[308, 'poll'],
		[307, 'poll'],
	] as const)('a %i on %s is not followed either', async (status, endpoint) => {
		env.sim.enqueueFaults(redirectedTo(endpoint, status, `${spy.url}/elsewhere`));
		const { items } = await runInpaint(env, submitParams(env, { options: fast }), {
			continueOnFail: true,
		});
		expect(spy.requests()).toEqual([]);
		expect(items[0].json.error).toBe(
			`The Pixazo API answered ${status} with a redirect to ${spyHost}, which the node does not follow`,
		);
		expect(requestsTo(env, endpoint).map((r: any) => r.status)).toEqual([status]);
	});

	it('a redirect to another path of the API itself is not followed either (the error names the API host)', async () => {
		env.sim.enqueueFaults(redirectedTo('submit', 307, '/submit/moved'));
		const { items } = await runInpaint(env, submitParams(env, { options: fast }), {
			continueOnFail: true,
		});
		const apiHost = new URL(env.sim.submitBaseUrl).host;
		expect(items[0].json.error).toBe(
			`The Pixazo API answered 307 with a redirect to ${apiHost}, which the node does not follow`,
		);
		expect(env.sim.requests().map((r: any) => r.path)).toEqual(['/submit/getImage']);
	});
});

describe('result downloads follow redirects and carry no key', () => {
	const env = useEnv({ jobMs: 200 });
	let spy: Spy;
	beforeEach(async () => {
		spy = await startEavesdropper();
	});
	afterEach(() => spy?.close());

	const opts = { options: { ...fast, downloadImages: true, maxRetries: 0 } };

	it('a download redirected to another path of the image host is followed: the image arrives, no request had the key', async () => {
		// Sent to the same image under another spelling of its path (the query makes it a new URL).
		faultOnArrival(env, 'results', (n, entry) =>
			n === 1 ? redirectedTo('results', 302, `${entry.path}?moved=1`) : undefined,
		);
		const { run, items, error } = await runInpaint(env, submitParams(env, opts));
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		const downloads = requestsTo(env, 'results');
		expect(downloads.map((r: any) => [r.status, r.fault])).toEqual([
			[302, 'redirect'],
			[200, null],
		]);
		expect(downloads[1].url).toBe(`${downloads[0].path}?moved=1`);
		for (const r of downloads) expect(r.headers[KEY_HEADER]).toBeUndefined();
		const bytes = await run.readBinary(items[0], 'data');
		expect(bytes.equals(await fetchBytes(items[0].json.imageUrl as string))).toBe(true);
	});

	it('a download redirected to another host is followed there, without the key', async () => {
		env.sim.enqueueFaults(redirectedTo('results', 307, `${spy.url}/cdn/image.png`));
		const { run, items } = await runInpaint(env, submitParams(env, opts));
		expect(run.status).toBe('success');
		const overheard = spy.requests();
		expect(overheard.map((r) => [r.method, r.path])).toEqual([['GET', '/cdn/image.png']]);
		expect(overheard[0].headers[KEY_HEADER]).toBeUndefined();
		expect(JSON.stringify(overheard)).not.toContain(env.sim.key);
		// What the other host served is what the item holds.
		const bytes = await run.readBinary(items[0], 'data');
		expect(bytes.equals(EAVESDROPPER_IMAGE)).toBe(true);
		expect(requestsTo(env, 'results').map((r: any) => r.status)).toEqual([307]);
	});
});
