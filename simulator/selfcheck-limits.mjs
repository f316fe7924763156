// Self-check, part 2: token-bucket limit, outages, redirects, result-download faults, stats.
// Run by selfcheck.mjs.
import assert from 'node:assert/strict';

/**
 * @param {{ sim: import('./server.mjs').Simulator, check: (name: string, fn: () => Promise<void>) => Promise<void>,
 *   post: (which: 'submit' | 'poll', body: unknown, headers?: Record<string, string>, init?: RequestInit) =>
 *     Promise<{ status: number, headers: Headers, text: string, json: any }> }} p
 */
export async function checkLimitsAndFaults({ sim, check, post }) {
	await check(
		'token bucket: shared by submit and poll, Retry-After, lifted by configure(null)',
		async () => {
			sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 0.5, burst: 2 } });
			const codes = [
				await post('submit', { prompt: 'tb [sim:sync]' }),
				await post('poll', { job_set_id: 'x' }),
				await post('poll', { job_set_id: 'x' }),
			];
			assert.deepEqual(
				codes.map((c) => c.status),
				[200, 404, 429],
			);
			assert.equal(codes[2].headers.get('retry-after'), '2');
			sim.configure({ rateLimit: null });
			assert.equal((await post('poll', { job_set_id: 'x' })).status, 404);
		},
	);

	await check('outage: 503 for every matching request while it lasts, then consumed', async () => {
		sim.enqueueFaults({ endpoint: 'poll', type: 'outage', ms: 1000 });
		const during = [
			await post('poll', { job_set_id: 'x' }),
			await post('poll', { job_set_id: 'x' }),
		];
		assert.deepEqual(
			during.map((r) => [r.status, r.json.error]),
			[
				[503, 'Service temporarily unavailable'],
				[503, 'Service temporarily unavailable'],
			],
		);
		await new Promise((r) => setTimeout(r, 1010));
		assert.equal((await post('poll', { job_set_id: 'x' })).status, 404);
	});

	await check('redirect on submit: status and Location, no job', async () => {
		const before = sim.stats().jobsCreated;
		sim.enqueueFaults({
			endpoint: 'submit',
			type: 'redirect',
			status: 307,
			location: 'http://127.0.0.1:9/x',
		});
		const r = await post('submit', { prompt: 'redir' }, undefined, { redirect: 'manual' });
		assert.deepEqual([r.status, r.headers.get('location')], [307, 'http://127.0.0.1:9/x']);
		assert.equal(sim.stats().jobsCreated, before);
	});

	await check(
		'result downloads: status, stall after the headers, then normal; answeredByEndpoint',
		async () => {
			const { imageUrl } = (await post('submit', { prompt: 'dl [sim:sync]' })).json;
			const before = sim.stats().answeredByEndpoint.results;
			sim.enqueueFaults([
				{ endpoint: 'results', type: 'status', status: 503 },
				{ endpoint: 'results', type: 'stall', bytes: 10 },
			]);
			assert.equal((await fetch(imageUrl)).status, 503);
			const stalled = await fetch(imageUrl);
			const reader = /** @type {ReadableStream<Uint8Array>} */ (stalled.body).getReader();
			assert.equal((await reader.read()).value?.length, 10);
			await reader.cancel();
			assert.equal((await fetch(imageUrl)).status, 200);
			const after = sim.stats().answeredByEndpoint.results;
			const delta = (/** @type {number} */ s) => (after[s] ?? 0) - (before[s] ?? 0);
			assert.deepEqual([delta(200), delta(503)], [1, 1]); // the stalled one was never fully answered
		},
	);
}
