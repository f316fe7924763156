// Result downloads are reads: the README promises they are retried on 429, 5xx and network errors,
// and that a download that keeps failing says which image, why, and how often it was tried.
// The simulator faults GET /results/… (endpoint 'results').
import { describe, expect, it } from 'vitest';

import { requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

const quick = { pollInterval: 0.1, retryDelay: 0.1, maxRetries: 2, downloadImages: true };

describe('result downloads are retried on 429, 5xx and network errors', () => {
	const env = useEnv({ jobMs: 200 });

	const transient: Array<[string, Record<string, unknown>, number | null]> = [
		['a 429', { type: 'status', status: 429 }, 429],
		['a 500', { type: 'status', status: 500 }, 500],
		['a 502 gateway page', { type: 'html' }, 502],
		['a 503', { type: 'status', status: 503 }, 503],
		['a 504', { type: 'status', status: 504 }, 504],
		['a dropped connection', { type: 'drop' }, null],
	];

	it.each(transient)(
		'a download answered %s is tried again and the image arrives',
		async (_label, fault, status) => {
			env.sim.enqueueFaults({ endpoint: 'results', ...fault, times: 2 } as any);
			const { run, items, error } = await runInpaint(env, submitParams(env, { options: quick }));
			const downloads = requestsTo(env, 'results');
			expect(error).toBeUndefined();
			expect(run.status).toBe('success');
			expect(downloads.map((r: any) => r.status)).toEqual([status, status, 200]);
			const bytes = await run.readBinary(items[0], 'data');
			const served = Buffer.from(
				await (await fetch(items[0].json.imageUrl as string)).arrayBuffer(),
			);
			expect(bytes.equals(served)).toBe(true);
			// a download is a read: the job was neither submitted nor checked again for it
			expect(requestsTo(env, 'submit')).toHaveLength(1);
			expect(env.sim.stats().jobsCreated).toBe(1);
		},
	);

	it('a download that keeps failing with a status ends in an error naming the image, the status, the tries and the URL', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'status', status: 503, times: 10 });
		const { run, items } = await runInpaint(env, submitParams(env, { options: quick }), {
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		const downloads = requestsTo(env, 'results');
		expect(downloads.map((r: any) => r.status)).toEqual([503, 503, 503]); // the first try and 2 retries
		expect(items).toHaveLength(1);
		expect(items[0].json.error).toBe('Could not download result image 1 (HTTP 503)');
		expect(items[0].json.description).toContain(`${env.sim.url}${downloads[0].path}`);
		expect(items[0].json.description).toContain('after 3 tries');
		expect(items[0].json.description).toMatch(/turn off Options > Download Images/);
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].binary).toBeUndefined();
	});

	it('an image host that is down for longer than every try gets Max Retries + 1 tries, then the error', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'outage', ms: 60_000 });
		const { items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetries: 1 } }),
			{ continueOnFail: true },
		);
		expect(requestsTo(env, 'results').map((r: any) => [r.status, r.fault])).toEqual([
			[503, 'outage'],
			[503, 'outage'],
		]);
		expect(items[0].json.error).toBe('Could not download result image 1 (HTTP 503)');
		expect(items[0].json.description).toContain('after 2 tries');
	});

	it('a download that keeps losing its connection ends in an error saying it was a network error', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'drop', times: 10 });
		const { items } = await runInpaint(env, submitParams(env, { options: quick }), {
			continueOnFail: true,
		});
		expect(requestsTo(env, 'results')).toHaveLength(3);
		expect(items[0].json.error).toBe('Could not download result image 1 (network error)');
		expect(items[0].json.description).toContain('after 3 tries');
		expect(items[0].json.description).toMatch(/Network error code: \w+/);
	});

	it('a 404 on a download is not retried: the link is gone, asking again will not bring it back', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'status', status: 404, times: 10 });
		const { items } = await runInpaint(env, submitParams(env, { options: quick }), {
			continueOnFail: true,
		});
		expect(requestsTo(env, 'results').map((r: any) => r.status)).toEqual([404]);
		expect(items[0].json.error).toBe('Could not download result image 1 (HTTP 404)');
	});

	it('without Continue On Fail a failed download stops the node with that error', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'status', status: 500, times: 10 });
		const { run, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetries: 0 } }),
		);
		expect(run.status).toBe('error');
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe('Could not download result image 1 (HTTP 500)');
		expect(String(error.httpCode)).toBe('500');
		expect(requestsTo(env, 'results')).toHaveLength(1);
	});
});
