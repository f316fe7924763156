// The simulator's `eachJob` fault, which lets an engine test fail "the first status check of each
// job" by counting checks per job instead of by when they arrive.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { checkConfig } from '../../simulator/config.mjs';
import { FaultQueue, normalizeFault } from '../../simulator/faults.mjs';
import { startSimulator } from '../../simulator/server.mjs';

const firstCheckFails = { endpoint: 'poll', type: 'status', status: 503, eachJob: 1 } as const;

describe('eachJob fault: validation', () => {
	it.each([
		[{ ...firstCheckFails, eachJob: 0 }, /eachJob must be an integer >= 1/],
		[{ ...firstCheckFails, eachJob: 1.5 }, /eachJob must be an integer >= 1/],
		[{ ...firstCheckFails, endpoint: 'submit' }, /for endpoint 'poll' only/],
		[{ ...firstCheckFails, endpoint: undefined }, /for endpoint 'poll' only/],
		[{ ...firstCheckFails, times: 2 }, /times is not allowed/],
		[{ endpoint: 'poll', type: 'outage', ms: 1000, eachJob: 1 }, /outage cannot be an eachJob/],
		[{ ...firstCheckFails, status: undefined }, /status fault needs an integer status/],
	])('refuses %o', (fault, message) => {
		expect(() => normalizeFault(fault)).toThrow(message);
	});

	it('is not allowed among the random faults', () => {
		expect(() => checkConfig({ randomFaults: { rate: 0.5, types: [firstCheckFails] } })).toThrow(
			/eachJob fault cannot be random/,
		);
	});
});

describe('eachJob fault: which checks it answers', () => {
	it('answers the first n checks of every job, is never consumed, and leaves checks naming no job alone', () => {
		const queue = new FaultQueue();
		queue.enqueue([{ ...firstCheckFails, eachJob: 2 }]);
		const took = (jobSetId?: string) => queue.take('poll', jobSetId)?.status ?? null;
		expect([took('a'), took('b'), took('a'), took('a'), took('b'), took('b')]).toEqual([
			503,
			503,
			503,
			null,
			503,
			null,
		]);
		expect(took('c')).toBe(503);
		expect(took(undefined)).toBeNull();
		expect(queue.take('submit')).toBeNull();
		expect(queue.queue).toHaveLength(1);
		queue.clear();
		expect(took('d')).toBeNull();
	});

	it('keeps its place in the queue: a fault queued before it comes first, one after it meets the checks it passes by', () => {
		const queue = new FaultQueue();
		queue.enqueue([
			{ endpoint: 'poll', type: 'html' },
			firstCheckFails,
			{ endpoint: 'poll', type: 'empty' },
		]);
		expect(['a', 'a', 'a', 'b', 'a'].map((id) => queue.take('poll', id)?.type ?? null)).toEqual([
			'html',
			'status',
			'empty',
			'status',
			null,
		]);
	});
});

describe('eachJob fault over HTTP', () => {
	let sim: Awaited<ReturnType<typeof startSimulator>>;
	beforeAll(async () => {
		sim = await startSimulator({ jobMs: 0 });
	});
	beforeEach(() => sim.reset());
	afterAll(() => sim?.close());

	const post = async (url: string, body: unknown) => {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': sim.key },
			body: JSON.stringify(body),
		});
		return { status: response.status, body: (await response.json()) as Record<string, any> };
	};
	const submit = async (prompt: string) =>
		(await post(`${sim.submitBaseUrl}/getImage`, { prompt })).body.job_set_id as string;
	const check = async (jobSetId: string) =>
		(await post(`${sim.pollBaseUrl}/getGenerationResults`, { job_set_id: jobSetId })).status;

	it('fails the first status check of each job, then answers its job; reset() removes it', async () => {
		const [a, b] = [await submit('a lion'), await submit('a tiger')];
		sim.enqueueFaults(firstCheckFails);
		expect([await check(a), await check(b), await check(a), await check(b)]).toEqual([
			503, 503, 200, 200,
		]);
		const c = await submit('a cat');
		expect(await check(c)).toBe(503);
		expect(sim.stats().faultsInjected.status).toBe(3);
		expect(sim.requests().map((r) => r.fault)).toEqual([
			null,
			null,
			'status',
			'status',
			null,
			null,
			null,
			'status',
		]);
		sim.reset();
		expect(await check(await submit('a dog'))).toBe(200);
	});
});
