// A failed run stops sending (issue #11, point 2): without Continue On Fail, once an item has
// failed no further submit goes out (each one is a billable job); submits already in flight finish,
// and the jobs they created are listed in the error. Counted from the simulator's log.
import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import {
	perItemParams as perItem,
	promptItems as items,
	requestsTo,
	runInpaint,
	useEnv,
} from './env.mts';

const BAD_REQUEST = 'The Pixazo API rejected the request as invalid (400)';

describe('a failed run sends no further submit', () => {
	const env = useEnv({ jobMs: 300 });

	it("Concurrency 1, ten items, the first submit answered 400: exactly one submit reached the API, and the error is item 0's", async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status: 400 });
		const { run, error } = await runInpaint(env, perItem(env, { concurrency: 1 }), {
			items: items(10),
		});
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(BAD_REQUEST);
		expect(error.context?.itemIndex).toBe(0);
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => [r.body.prompt, r.status])).toEqual([
			['Change to lion number 0', 400],
		]);
		expect(env.sim.stats().jobsCreated).toBe(0);
	});

	it('Concurrency 10, thirty items: once the first answer is a 400, no slot that frees up sends another submit; the nine in flight finish and are listed', async () => {
		// The first submit to arrive is answered 400 at once; the nine others sent with it are held
		// by the API for 3 s (then accepted), so all ten slots are busy when the 400 comes back. The
		// only slot free after it is the failed item's own: a run that kept sending would use it at
		// once (an 11th submit), and nine more when the held ones are answered.
		let arrived = 0;
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'submit') return;
			arrived++;
			env.sim.enqueueFaults(
				arrived === 1
					? { endpoint: 'submit', type: 'status', status: 400 }
					: { endpoint: 'submit', type: 'delay', ms: 3000 },
			);
		});
		const { run, error } = await runInpaint(env, perItem(env, { concurrency: 10 }), {
			items: items(30),
		});
		const submits = requestsTo(env, 'submit') as any[];
		const failed = submits.find((r: any) => r.status === 400);
		const held = submits.filter((r: any) => r !== failed);

		// The set-up held: ten submits went out together, the 400 was answered before any held one.
		expect(failed).toBeDefined();
		expect(held).toHaveLength(9);
		for (const r of held) expect(r.doneAt).toBeGreaterThan(failed.doneAt);

		// What this test is about: no eleventh submit, ever.
		expect(submits).toHaveLength(10);
		expect(env.sim.stats().requests.submit).toBe(10);

		// The item that got the 400 is the error thrown; the nine accepted jobs are listed in it.
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(BAD_REQUEST);
		const failedItem = Number(/\d+$/.exec(failed.body.prompt)![0]);
		expect(error.context?.itemIndex).toBe(failedItem);
		const jobs = env.sim.stats().jobs;
		expect(jobs).toHaveLength(9);
		for (const job of jobs) expect(error.description).toContain(job.jobSetId);
		// Every item sent was one of the first ten (the Pacer hands slots out in item order).
		for (const r of submits) expect(Number(/\d+$/.exec(r.body.prompt)![0])).toBeLessThan(10);
	});

	it('with Continue On Fail every item is still submitted: one error item, the other nine succeed', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status: 400 });
		const {
			run,
			items: out,
			error,
		} = await runInpaint(env, perItem(env, { concurrency: 1 }), {
			items: items(10),
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(requestsTo(env, 'submit')).toHaveLength(10);
		expect(out).toHaveLength(10);
		expect(out[0].json.error).toBe(BAD_REQUEST);
		expect(out[0].json.httpCode).toBe(400);
		for (const item of out.slice(1)) expect(item.json.status).toBe('succeeded');
		expect(env.sim.stats().jobsCreated).toBe(9);
	});
});
