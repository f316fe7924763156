// The simulator's rate limits and faults, which the engine tests rely on: checked with a
// controlled clock where time matters, and over real HTTP on 127.0.0.1 for the answers.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { FaultQueue, normalizeFault } from '../../simulator/faults.mjs';
import { checkRateLimit, createRateLimiter } from '../../simulator/ratelimit.mjs';
import { startSimulator } from '../../simulator/server.mjs';
import { startEavesdropper } from '../harness/eavesdropper.mjs';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
	const c = { t: start, now: () => c.t, advance: (ms: number) => (c.t += ms) };
	return c;
}

describe('token-bucket rate limit', () => {
	it('lets a burst through, then one request per 1/rate seconds, with Retry-After until the next token', () => {
		const c = clock();
		const rl = createRateLimiter({ type: 'tokenBucket', ratePerSec: 4, burst: 3 }, c.now);
		expect([rl.check('submit'), rl.check('poll'), rl.check('submit')]).toEqual([null, null, null]);
		// the bucket is empty: the next token comes in 250 ms, announced as 1 s (whole seconds, at least 1)
		expect(rl.check('poll')).toEqual({ retryAfter: 1 });
		c.advance(249);
		expect(rl.check('submit')).toEqual({ retryAfter: 1 });
		c.advance(1);
		expect(rl.check('submit')).toBeNull();
		expect(rl.check('submit')).not.toBeNull();
		// a long idle refills up to the burst, not beyond
		c.advance(60_000);
		for (let i = 0; i < 3; i++) expect(rl.check('poll')).toBeNull();
		expect(rl.check('poll')).not.toBeNull();
	});

	it('rounds Retry-After up to whole seconds for a slow rate', () => {
		const c = clock();
		const rl = createRateLimiter({ type: 'tokenBucket', ratePerSec: 0.4, burst: 1 }, c.now);
		expect(rl.check('submit')).toBeNull();
		expect(rl.check('submit')).toEqual({ retryAfter: 3 }); // 2.5 s until a token
		c.advance(2000);
		expect(rl.check('submit')).toEqual({ retryAfter: 1 }); // 0.5 s
	});

	it("endpoint 'any' (the default) is one bucket for submit and poll; 'submit' or 'poll' limits only that endpoint", () => {
		const c = clock();
		const shared = createRateLimiter({ type: 'tokenBucket', ratePerSec: 1, burst: 2 }, c.now);
		expect(
			[shared.check('submit'), shared.check('poll'), shared.check('poll')].map(Boolean),
		).toEqual([false, false, true]);
		expect(shared.check('submit')).not.toBeNull();
		const submitOnly = createRateLimiter(
			{ type: 'tokenBucket', ratePerSec: 1, burst: 1, endpoint: 'submit' },
			c.now,
		);
		expect(submitOnly.check('submit')).toBeNull();
		expect(submitOnly.check('submit')).not.toBeNull();
		for (let i = 0; i < 10; i++) expect(submitOnly.check('poll')).toBeNull();
	});

	it('retryAfter: false refuses without a figure', () => {
		const rl = createRateLimiter(
			{ type: 'tokenBucket', ratePerSec: 1, burst: 1, retryAfter: false },
			clock().now,
		);
		rl.check('poll');
		expect(rl.check('poll')).toEqual({ retryAfter: null });
	});

	it('fixed windows keep their behaviour (a counter per endpoint), also written type: fixedWindow', () => {
		const c = clock();
		for (const cfg of [
			{ max: 2, windowMs: 1500 },
			{ type: 'fixedWindow' as const, max: 2, windowMs: 1500 },
		]) {
			const rl = createRateLimiter(cfg, c.now);
			expect([rl.check('poll'), rl.check('poll'), rl.check('poll')]).toEqual([
				null,
				null,
				{ retryAfter: 2 },
			]);
			expect(rl.check('submit')).toBeNull(); // its own window
			c.advance(1500);
			expect(rl.check('poll')).toBeNull();
		}
	});

	it('rejects invalid limits with a message naming the problem', () => {
		expect(checkRateLimit(null)).toBeNull();
		expect(
			checkRateLimit({
				type: 'tokenBucket',
				ratePerSec: 2.5,
				burst: 1,
				endpoint: 'poll',
				retryAfter: false,
			}),
		).toBeNull();
		expect(checkRateLimit({ type: 'tokenBucket', ratePerSec: 0, burst: 1 })).toMatch(/ratePerSec/);
		expect(checkRateLimit({ type: 'tokenBucket', ratePerSec: 1, burst: 0 })).toMatch(/burst/);
		expect(checkRateLimit({ type: 'tokenBucket', ratePerSec: 1, burst: 1.5 })).toMatch(/burst/);
		expect(checkRateLimit({ type: 'tokenBucket', ratePerSec: 1, burst: 1, max: 3 })).toMatch(
			/unknown key "max"/,
		);
		expect(checkRateLimit({ type: 'leaky', max: 1, windowMs: 1 })).toMatch(/type/);
		expect(checkRateLimit({ max: 1, windowMs: 1, endpoint: 'results' })).toMatch(/endpoint/);
		expect(checkRateLimit({ max: 1, windowMs: 1, retryAfter: 'no' })).toMatch(/retryAfter/);
	});
});

describe('fault queue: outages and result faults', () => {
	beforeEach(() => {
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(1_000_000);
	});
	afterEach(() => vi.useRealTimers());

	it('an outage answers every matching request from its first one for ms, then is consumed', () => {
		const q = new FaultQueue();
		q.enqueue([
			{ endpoint: 'poll', type: 'outage', ms: 1000 },
			{ endpoint: 'poll', type: 'status', status: 500 },
		]);
		vi.setSystemTime(1_005_000); // enqueued long ago: the outage starts with its first request, not at enqueue
		expect(q.take('submit')).toBeNull();
		expect(q.take('poll')).toMatchObject({ type: 'outage', status: 503 });
		vi.setSystemTime(1_005_999);
		expect(q.take('poll')).toMatchObject({ type: 'outage' });
		vi.setSystemTime(1_006_000);
		expect(q.take('poll')).toMatchObject({ type: 'status', status: 500 }); // the outage is over: the next fault
		expect(q.take('poll')).toBeNull();
	});

	it("'any' still means submit and poll, never the result downloads", () => {
		const q = new FaultQueue();
		q.enqueue([
			{ type: 'status', status: 500 },
			{ endpoint: 'any', type: 'outage', ms: 10 },
		]);
		expect(q.take('results')).toBeNull();
		expect(q.take('poll')).toMatchObject({ type: 'status' });
		expect(q.take('results')).toBeNull();
		expect(q.take('submit')).toMatchObject({ type: 'outage' });
	});

	it('result faults are taken by result downloads only, `times` as for the others', () => {
		const q = new FaultQueue();
		q.enqueue([{ endpoint: 'results', type: 'stall', times: 2 }]);
		expect(q.take('poll')).toBeNull();
		expect(q.take('results')).toMatchObject({ type: 'stall' });
		expect(q.take('results')).toMatchObject({ type: 'stall' });
		expect(q.take('results')).toBeNull();
	});

	it('rejects faults that cannot be served, naming why', () => {
		expect(() => normalizeFault({ endpoint: 'poll', type: 'stall' })).toThrow(/results/);
		expect(() => normalizeFault({ endpoint: 'results', type: 'malformed' })).toThrow(
			/not available on 'results'/,
		);
		expect(() =>
			normalizeFault({ endpoint: 'submit', type: 'redirect', status: 200, location: 'http://x/' }),
		).toThrow(/301/);
		expect(() => normalizeFault({ endpoint: 'submit', type: 'redirect', status: 307 })).toThrow(
			/location/,
		);
		expect(() => normalizeFault({ endpoint: 'poll', type: 'outage' })).toThrow(/ms/);
		expect(() => normalizeFault({ endpoint: 'poll', type: 'outage', ms: 5, times: 2 })).toThrow(
			/times/,
		);
		expect(normalizeFault({ endpoint: 'poll', type: 'outage', ms: 5, status: 502 })).toMatchObject({
			status: 502,
		});
	});
});

describe('the simulator over HTTP', () => {
	let sim: Awaited<ReturnType<typeof startSimulator>>;
	const headers = () => ({
		'Ocp-Apim-Subscription-Key': sim.key,
		'Content-Type': 'application/json',
	});
	const post = (path: string, body: unknown, key = sim.key) =>
		fetch(`${sim.url}${path}`, {
			method: 'POST',
			headers: { ...headers(), 'Ocp-Apim-Subscription-Key': key },
			body: JSON.stringify(body),
			redirect: 'manual',
		});
	const submit = (body: unknown = { prompt: 'p' }) => post('/submit/getImage', body);
	const poll = (id = 'jobset_none') => post('/poll/getGenerationResults', { job_set_id: id });

	beforeAll(async () => {
		sim = await startSimulator({ jobMs: 50 });
	});
	beforeEach(() => sim.reset());
	afterAll(async () => {
		await sim?.close();
	});

	it('a token bucket answers 429 with the documented body and Retry-After; configure(null) lifts it, a new one starts full', async () => {
		sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 0.1, burst: 2 } });
		const answers = [await submit({ prompt: 'a' }), await poll(), await poll()];
		expect(answers.map((r) => r.status)).toEqual([200, 404, 429]);
		expect(await answers[2].json()).toEqual({ error: 'Rate limit exceeded, please retry later' });
		// 10 s until the next token, less the (small) time since the burst; the exact rounding is checked above
		expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(8);
		expect(Number(answers[2].headers.get('retry-after'))).toBeLessThanOrEqual(10);
		sim.configure({ rateLimit: null });
		expect((await poll()).status).toBe(404);
		sim.configure({
			rateLimit: { type: 'tokenBucket', ratePerSec: 0.1, burst: 1, retryAfter: false },
		});
		expect((await poll()).status).toBe(404);
		const limited = await poll();
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBeNull();
		// requests with a wrong key are refused before the limit and do not count
		expect((await post('/poll/getGenerationResults', { job_set_id: 'x' }, 'wrong')).status).toBe(
			401,
		);
		expect(sim.stats().answeredByEndpoint).toMatchObject({
			submit: { 200: 1 },
			poll: { 404: 3, 429: 2, 401: 1 },
		});
	});

	it('an outage answers 503 with the documented body to every matching request while it lasts', async () => {
		sim.enqueueFaults({
			endpoint: 'submit',
			type: 'outage',
			ms: 60_000,
			headers: { 'Retry-After': '7' },
		});
		const answers = [await submit(), await submit(), await poll()];
		expect(answers.map((r) => r.status)).toEqual([503, 503, 404]);
		expect(answers[1].headers.get('retry-after')).toBe('7');
		expect(await answers[0].json()).toEqual({ error: 'Service temporarily unavailable' });
		expect(sim.stats().faultsInjected.outage).toBe(2);
		expect(sim.stats().jobsCreated).toBe(0);
	});

	it('a redirect on submit or poll answers its status and Location, and creates no job', async () => {
		sim.enqueueFaults([
			{
				endpoint: 'submit',
				type: 'redirect',
				status: 307,
				location: 'http://127.0.0.1:9/elsewhere',
			},
			{ endpoint: 'poll', type: 'redirect', status: 302, location: '/x' },
		]);
		const s = await submit();
		const p = await poll();
		expect([s.status, s.headers.get('location'), p.status, p.headers.get('location')]).toEqual([
			307,
			'http://127.0.0.1:9/elsewhere',
			302,
			'/x',
		]);
		expect(sim.stats().jobsCreated).toBe(0);
		expect(sim.requests().map((r: any) => r.fault)).toEqual(['redirect', 'redirect']);
	});

	it('faults on result downloads: status, redirect, drop, stall (headers and part of the body, then nothing)', async () => {
		const { imageUrl } = (await (await submit({ prompt: 'img [sim:sync]' })).json()) as {
			imageUrl: string;
		};
		const full = Buffer.from(await (await fetch(imageUrl)).arrayBuffer());
		sim.enqueueFaults([
			{ endpoint: 'results', type: 'status', status: 429, headers: { 'Retry-After': '3' } },
			{ endpoint: 'results', type: 'redirect', status: 308, location: `${imageUrl}?again` },
			{ endpoint: 'results', type: 'drop' },
			{ endpoint: 'results', type: 'stall' },
		]);
		const limited = await fetch(imageUrl);
		expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
		const moved = await fetch(imageUrl, { redirect: 'manual' });
		expect([moved.status, moved.headers.get('location')]).toEqual([308, `${imageUrl}?again`]);
		await expect(fetch(imageUrl)).rejects.toThrow();
		const stalled = await fetch(imageUrl);
		expect([stalled.status, Number(stalled.headers.get('content-length'))]).toEqual([
			200,
			full.length,
		]);
		const reader = stalled.body!.getReader();
		const first = await reader.read();
		expect(Buffer.from(first.value!).equals(full.subarray(0, 1024))).toBe(true);
		// nothing more arrives until the client closes: the simulator has not finished the answer
		const stallEntry = sim.requests().find((r: any) => r.fault === 'stall')!;
		expect([stallEntry.status, stallEntry.doneAt]).toEqual([null, null]);
		await reader.cancel();
		// afterwards the downloads are normal again, and the API faults were not used up by them
		expect(Buffer.from(await (await fetch(imageUrl)).arrayBuffer()).equals(full)).toBe(true);
		const stats = sim.stats();
		expect(stats.answeredByEndpoint.results).toEqual({ 200: 2, 429: 1, 308: 1 });
		expect(stats.faultsInjected).toMatchObject({ status: 1, redirect: 1, drop: 1, stall: 1 });
	});

	it('per-job poll times and attempts, to check that each job was polled before its deadline', async () => {
		const { job_set_id: id } = (await (await submit()).json()) as { job_set_id: string };
		sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 500 });
		await poll(id);
		await poll(id);
		const [job] = sim.stats().jobs;
		expect(job.pollAttempts).toBe(2);
		expect(job.polls).toBe(1);
		const log = sim.requests().filter((r: any) => r.endpoint === 'poll');
		expect(job.firstPollAttemptAt).toBe(log[0].time);
		expect(job.pollTimes).toHaveLength(1);
		expect(job.firstPollAt).toBe(job.pollTimes[0]);
		expect(job.firstPollAt).toBeGreaterThanOrEqual(log[1].time);
	});

	it('onRequest sees each request on arrival, before it is answered', async () => {
		const seen: any[] = [];
		const off = sim.onRequest((entry: any) => seen.push(entry));
		await poll();
		off();
		await poll();
		expect(seen.map((e) => [e.endpoint, e.status])).toEqual([['poll', null]]);
	});
});

describe('startEavesdropper', () => {
	it('records method, path, headers and body, and answers a succeeded job from elsewhere', async () => {
		const spy = await startEavesdropper();
		try {
			const res = await fetch(`${spy.url}/getImage?x=1`, {
				method: 'POST',
				headers: { 'Ocp-Apim-Subscription-Key': 'k', 'Content-Type': 'application/json' },
				body: '{"prompt":"p"}',
			});
			expect(await res.json()).toEqual({
				job_set_id: 'evil',
				status: 'succeeded',
				results: [{ imageUrl: 'http://127.0.0.1:1/x.png' }],
			});
			const [r] = spy.requests();
			expect(r).toMatchObject({
				method: 'POST',
				path: '/getImage',
				url: '/getImage?x=1',
				body: '{"prompt":"p"}',
			});
			expect(r.headers['ocp-apim-subscription-key']).toBe('k');
		} finally {
			await spy.close();
		}
	});
});
