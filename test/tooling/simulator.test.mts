// The API simulator (simulator/), which the engine tests, the demo, the benchmarks and the live
// check rely on: its only check. Rate limits, quotas and faults with a controlled clock where time
// matters; the API, the images and the control routes over real HTTP on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { FaultQueue, normalizeFault } from '../../simulator/faults.mjs';
import { decodePng, encodePng } from '../../simulator/png.mjs';
import { checkQuota, createQuota, hhmmss } from '../../simulator/quota.mjs';
import {
	checkRateLimit,
	createKeyedRateLimiter,
	createRateLimiter,
} from '../../simulator/ratelimit.mjs';
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

describe('limits per subscription key, and the call-volume quota', () => {
	it('each key has its own token bucket or windows', () => {
		const c = clock();
		const bucket = createKeyedRateLimiter({ type: 'tokenBucket', ratePerSec: 1, burst: 1 }, c.now);
		expect([bucket.check('key0', 'submit'), bucket.check('key1', 'submit')]).toEqual([null, null]);
		expect(bucket.check('key0', 'poll')).toEqual({ retryAfter: 1 });
		expect(bucket.check('key2', 'poll')).toBeNull(); // a key seen for the first time starts full
		const windows = createKeyedRateLimiter({ max: 1, windowMs: 10_000 }, c.now);
		expect(windows.check('key0', 'poll')).toBeNull();
		expect(windows.check('key0', 'poll')).toEqual({ retryAfter: 10 });
		expect(windows.check('key1', 'poll')).toBeNull();
	});

	it('a quota refuses a key past its limit with 403, the time to renewal counting down in Retry-After and the wording, until renewSec after the period began', () => {
		const c = clock();
		const q = createQuota({ limit: 2, renewSec: 3600 }, c.now);
		expect([q.check('key0'), q.check('key0')]).toEqual([null, null]);
		c.advance(48_000);
		expect(q.check('key0')).toEqual({
			retryAfter: 3552,
			body: {
				statusCode: 403,
				message: 'Out of call volume quota. Quota will be replenished in 00:59:12.',
			},
		});
		expect(q.check('key1')).toBeNull(); // another key, its own quota
		c.advance(3_551_500);
		expect(q.check('key0')).toMatchObject({ retryAfter: 1, body: { message: /in 00:00:01\.$/ } });
		c.advance(500); // the period is over: a new one begins with this request
		expect([q.check('key0'), q.check('key0')]).toEqual([null, null]);
		expect(q.check('key0')?.retryAfter).toBe(3600);
	});

	it('requests the quota refused are not counted; wording: false gives the documented body, still with Retry-After', () => {
		const c = clock();
		const q = createQuota({ limit: 1, renewSec: 10, wording: false }, c.now);
		expect(q.check('key0')).toBeNull();
		for (let i = 0; i < 5; i++) {
			expect(q.check('key0')).toEqual({
				retryAfter: 10 - i,
				body: { error: 'Access denied for this operation' },
			});
			c.advance(1000);
		}
		c.advance(5000);
		expect(q.check('key0')).toBeNull(); // one accepted in the new period, as in the first
		expect(q.check('key0')).not.toBeNull();
		expect(hhmmss(3 * 3600 + 2 * 60 + 5)).toBe('03:02:05');
	});

	it('rejects invalid quotas, naming the problem', () => {
		expect(checkQuota(null)).toBeNull();
		expect(checkQuota({ limit: 0, renewSec: 1, wording: false })).toBeNull();
		expect(checkQuota({ limit: -1, renewSec: 1 })).toMatch(/limit/);
		expect(checkQuota({ limit: 1, renewSec: 0 })).toMatch(/renewSec/);
		expect(checkQuota({ limit: 1, renewSec: 1, wording: 'yes' })).toMatch(/wording/);
		expect(checkQuota({ limit: 1, renewSec: 1, per: 'key' })).toMatch(/unknown key "per"/);
		expect(checkQuota(5)).toMatch(/null or/);
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

	it('body faults: results only, a size for a made-up body, hex prefixes no longer than the size', () => {
		expect(() => normalizeFault({ endpoint: 'poll', type: 'body', size: 10 })).toThrow(/results/);
		expect(() => normalizeFault({ type: 'body', size: 10 })).toThrow(/results/); // 'any' is submit and poll
		expect(() => normalizeFault({ endpoint: 'results', type: 'body', prefix: 'ffd8' })).toThrow(
			/needs a size/,
		);
		expect(() =>
			normalizeFault({ endpoint: 'results', type: 'body', size: 10, prefix: 'ffd' }),
		).toThrow(/hex/);
		expect(() =>
			normalizeFault({ endpoint: 'results', type: 'body', size: 1, prefix: 'ffd8' }),
		).toThrow(/at least the prefix/);
		expect(() => normalizeFault({ endpoint: 'results', type: 'body', size: -1 })).toThrow(/size/);
		expect(() => normalizeFault({ endpoint: 'results', type: 'body', size: 'huge' })).toThrow(
			/endless/,
		);
		expect(() =>
			normalizeFault({ endpoint: 'results', type: 'body', size: 9, bytesPerChunk: 0 }),
		).toThrow(/bytesPerChunk/);
		expect(() =>
			normalizeFault({ endpoint: 'results', type: 'body', contentType: '', size: 9 }),
		).toThrow(/contentType/);
		expect(() =>
			normalizeFault({ endpoint: 'results', type: 'body', status: 101, size: 9 }),
		).toThrow(/200\.\.599/);
		expect(
			normalizeFault({
				endpoint: 'results',
				type: 'body',
				size: 'endless',
				prefix: '52494646xxxxxxxx57454250',
				times: 2,
			}),
		).toMatchObject({ type: 'body', times: 2 });
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
	/** A raw body (not JSON-encoded) to an endpoint. */
	const postRaw = (path: string, body: string) =>
		fetch(`${sim.url}${path}`, { method: 'POST', headers: headers(), body });
	const getPng = async (url: string) => {
		const res = await fetch(url);
		expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
		const bytes = Buffer.from(await res.arrayBuffer());
		expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
		return bytes;
	};
	const pixel = (img: { width: number; data: Buffer }, x: number, y: number) => {
		const i = (y * img.width + x) * 4;
		return [...img.data.subarray(i, i + 3)];
	};
	/** Submit (async) and check the job until it is terminal; the last poll answer. */
	const runJob = async (body: Record<string, unknown>) => {
		const { job_set_id: id } = (await (await submit(body)).json()) as { job_set_id: string };
		for (;;) {
			const answer = (await (await poll(id)).json()) as any;
			if (!['pending', 'running'].includes(answer.status)) return answer;
			await sleep(10);
		}
	};
	const dog = () => ({ imageUrl: sim.sampleImageUrl, maskUrl: sim.sampleMaskUrl });

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
		// at most 10 s until the next token (less the time since the burst); the exact rounding is checked above
		expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
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

	// The API itself: keys, validation, routes, jobs and images, faults, stats, control, close().

	it('serves the 512x512 sample dog and its mask (white = dog, black elsewhere, its shadow not included)', async () => {
		const img = decodePng(await getPng(sim.sampleImageUrl));
		const mask = decodePng(await getPng(sim.sampleMaskUrl));
		expect([img.width, img.height, mask.width, mask.height]).toEqual([512, 512, 512, 512]);
		expect(pixel(mask, 255, 300)).toEqual([255, 255, 255]); // the dog's body
		expect(pixel(mask, 20, 20)).toEqual([0, 0, 0]); // sky
		expect(pixel(mask, 262, 425)).toEqual([0, 0, 0]); // the shadow is not the dog
	});

	it('refuses a missing or wrong key with 401 and the forbidden key with 403, with the documented bodies', async () => {
		const noKey = await fetch(`${sim.submitBaseUrl}/getImage`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: '{"prompt":"x"}',
		});
		expect([noKey.status, await noKey.json()]).toEqual([
			401,
			{ error: 'Invalid or missing authentication' },
		]);
		expect((await post('/poll/getGenerationResults', { job_set_id: 'x' }, 'bad')).status).toBe(401);
		const forbidden = await post('/submit/getImage', { prompt: 'x' }, sim.forbiddenKey);
		expect([forbidden.status, await forbidden.json()]).toEqual([
			403,
			{ error: 'Access denied for this operation' },
		]);
		expect(sim.stats().jobsCreated).toBe(0);
	});

	it('answers 400 with details naming the problem; an unknown job set is 404', async () => {
		for (const body of [
			'not json',
			'[1]',
			'',
			JSON.stringify({ prompt: '' }),
			JSON.stringify({ prompt: 'x', foo: 1 }),
			JSON.stringify({ prompt: 'x', seed: 1.5 }),
			JSON.stringify({ prompt: 'x', width: 10 }),
			JSON.stringify({ prompt: 'x', imageUrl: 'ftp://a/b.png' }),
			JSON.stringify({ prompt: 'x', negative_prompt: null }),
			JSON.stringify({ prompt: 'x [sim:bogus]' }),
		]) {
			const res = await postRaw('/submit/getImage', body);
			const answer = (await res.json()) as { error: string; details: string };
			expect([res.status, answer.error], body).toEqual([400, 'Invalid request parameters']);
			expect(answer.details, body).toBeTruthy();
		}
		const unknown = await submit({ prompt: 'x', foo: 1 });
		expect(((await unknown.json()) as { details: string }).details).toMatch(/foo/);
		const ok = await submit({ prompt: 'x', guidance: 7.5, num_steps: 20, negative_prompt: '' });
		expect(ok.status).toBe(200); // fractional guidance is accepted
		expect((await post('/poll/getGenerationResults', {})).status).toBe(400);
		expect((await post('/poll/getGenerationResults', { job_set_id: 'x', more: 1 })).status).toBe(
			400,
		);
		const missing = await poll('jobset_nope');
		expect([missing.status, await missing.json()]).toEqual([404, { error: 'Job set not found' }]);
	});

	it('answers 404 { error: "Endpoint not found" } off its routes: unknown paths, wrong methods, the wrong base, unknown results', async () => {
		for (const [method, path] of [
			['GET', '/nope'],
			['GET', '/submit/getImage'],
			['POST', '/poll/getImage'],
			['POST', '/submit/getGenerationResults'],
			['GET', '/results/x.png'],
		]) {
			const res = await fetch(sim.url + path, {
				method,
				headers: headers(),
				body: method === 'POST' ? '{}' : undefined,
			});
			expect([res.status, await res.json()], `${method} ${path}`).toEqual([
				404,
				{ error: 'Endpoint not found' },
			]);
		}
	});

	it('an async job reports pending, then running, then succeeded with a real, repainted, deterministic image', async () => {
		const body = { prompt: 'Change to a lion', ...dog(), seed: 42 };
		const accepted = (await (await submit(body)).json()) as Record<string, string>;
		expect(accepted).toEqual({
			success: true,
			job_set_id: expect.stringMatching(/^jobset_[0-9a-f]{16}$/),
			status: 'pending',
		});
		const statuses: string[] = [];
		let last: any;
		do {
			last = await (await poll(accepted.job_set_id)).json();
			statuses.push(last.status);
		} while (last.status !== 'succeeded' && (await sleep(5), true));
		// in order, never back: pending (the first 20 %), running, succeeded
		const rank = statuses.map((s) => ['pending', 'running', 'succeeded'].indexOf(s));
		expect(rank.every((r, i) => r >= 0 && (i === 0 || r >= rank[i - 1]))).toBe(true);
		expect(last).toEqual({
			status: 'succeeded',
			results: [
				{
					imageUrl: expect.stringMatching(/\/results\/.+\.png$/),
					job_id: expect.stringMatching(/^job_\d+$/),
				},
			],
			job_set_id: accepted.job_set_id,
		});
		const out = decodePng(await getPng(last.results[0].imageUrl));
		const input = decodePng(await getPng(sim.sampleImageUrl));
		expect(pixel(out, 255, 300)).not.toEqual(pixel(input, 255, 300)); // repainted (masked)
		expect(pixel(out, 20, 20)).toEqual(pixel(input, 20, 20)); // untouched
		const again = await runJob(body);
		expect(
			(await getPng(again.results[0].imageUrl)).equals(await getPng(last.results[0].imageUrl)),
		).toBe(true);
		const [job] = sim.stats().jobs;
		expect(job.firstSucceededPollAt).toBeGreaterThanOrEqual(job.finishAt);
	});

	it('prompt directives: results=2 (distinct images, the asked size), sync, noimage, outcome, nourl, status', async () => {
		const two = await runJob({
			prompt: 'a cat [sim:results=2] [sim:ms=0]',
			...dog(),
			width: 256,
			height: 128,
		});
		const [a, b] = await Promise.all(two.results.map((r: any) => getPng(r.imageUrl)));
		expect(a.equals(b)).toBe(false);
		expect([decodePng(a).width, decodePng(a).height]).toEqual([256, 128]);
		const sync = (await (await submit({ prompt: 'a cat [sim:sync]' })).json()) as Record<
			string,
			string
		>;
		expect(Object.keys(sync)).toEqual(['imageUrl']);
		await getPng(sync.imageUrl); // no input image: a gradient canvas
		expect(await (await submit({ prompt: 'x [sim:noimage]' })).json()).toEqual({ success: true });
		const failed = await runJob({ prompt: 'x [sim:outcome=failed] [sim:ms=0]' });
		expect([failed.status, failed.error]).toEqual([
			'failed',
			'The model could not process this image',
		]);
		const noUrl = await runJob({ prompt: 'x [sim:nourl] [sim:ms=0]' });
		expect(noUrl.results[0]).toEqual({ job_id: expect.stringMatching(/^job_/) });
		const queued = (await (
			await submit({ prompt: 'x [sim:status=queued] [sim:ms=0]' })
		).json()) as {
			job_set_id: string;
		};
		expect(((await (await poll(queued.job_set_id)).json()) as any).status).toBe('queued');
		expect(sim.stats().jobs.map((j) => j.prompt)).toContain('x [sim:noimage]'); // as submitted
	});

	it('fetches an input image from another local server; a non-local one falls back to the sample dog', async () => {
		const grey = Buffer.alloc(64 * 32 * 4, 200);
		for (let i = 3; i < grey.length; i += 4) grey[i] = 255;
		const png = encodePng({ width: 64, height: 32, data: grey });
		const other = createServer((_req, res) => res.end(png)).listen(0, '127.0.0.1');
		await new Promise((resolve) => other.once('listening', resolve));
		try {
			const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/in.png`;
			const local = await runJob({ prompt: 'p [sim:ms=0]', imageUrl: url });
			const out = decodePng(await getPng(local.results[0].imageUrl));
			expect([out.width, out.height, ...pixel(out, 1, 1)]).toEqual([64, 32, 200, 200, 200]);
		} finally {
			other.close();
		}
		const far = await runJob({ prompt: 'p [sim:ms=0]', imageUrl: 'https://example.com/x.png' });
		expect(decodePng(await getPng(far.results[0].imageUrl)).width).toBe(512);
	});

	it('faults on submit and poll: status, html, malformed, empty, delay', async () => {
		sim.enqueueFaults([
			{ endpoint: 'submit', type: 'status', status: 429, headers: { 'Retry-After': '1' } },
			{ endpoint: 'poll', type: 'html' },
			{ type: 'malformed' },
			{ type: 'empty' },
			{ type: 'delay', ms: 100 },
		]);
		const limited = await submit({ prompt: 'x' });
		expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([
			429,
			'1',
			{ error: 'Rate limit exceeded, please retry later' },
		]);
		const html = await poll('x');
		expect([html.status, html.headers.get('content-type'), await html.text()]).toEqual([
			502,
			'text/html; charset=utf-8',
			'<html><body><h1>502 Bad Gateway</h1></body></html>',
		]);
		expect(await (await poll()).text()).toBe('{"status": "succ');
		expect(await (await poll()).text()).toBe('');
		expect((await submit({ prompt: 'x [sim:sync]' })).status).toBe(200);
		const delayed = sim.requests().find((r: any) => r.fault === 'delay')!;
		expect(delayed.doneAt! - delayed.time).toBeGreaterThanOrEqual(99); // it waited the delay (a timer may fire 1 ms early)
		expect(sim.stats().faultsInjected).toMatchObject({
			status: 1,
			html: 1,
			malformed: 1,
			empty: 1,
			delay: 1,
		});
	});

	it('faults drop (no job) and dropAfterAccept (the job is created: its resend is a duplicate); hang, enqueued over the control route', async () => {
		sim.enqueueFaults([
			{ endpoint: 'submit', type: 'drop' },
			{ endpoint: 'submit', type: 'dropAfterAccept' },
		]);
		await expect(submit({ prompt: 'dup me' })).rejects.toThrow();
		expect(sim.stats().jobsCreated).toBe(0);
		await expect(submit({ prompt: 'dup me' })).rejects.toThrow();
		expect((await submit({ prompt: 'dup me' })).status).toBe(200);
		expect(sim.stats()).toMatchObject({ jobsCreated: 2, duplicateSubmits: 1 });
		const res = await fetch(`${sim.url}/__control/faults`, {
			method: 'POST',
			body: JSON.stringify([{ type: 'hang' }]),
		});
		expect(await res.json()).toEqual({ ok: true, queued: 1 });
		const hung = fetch(`${sim.pollBaseUrl}/getGenerationResults`, {
			method: 'POST',
			headers: headers(),
			body: '{"job_set_id":"x"}',
			signal: AbortSignal.timeout(200),
		});
		await expect(hung).rejects.toThrow();
		const entry = sim.requests().find((r: any) => r.fault === 'hang')!;
		expect(entry.status).toBeNull(); // never answered
		expect(sim.stats().faultsInjected.hang).toBe(1);
	});

	it('a fixed-window limit answers 429 with Retry-After, a window per endpoint', async () => {
		sim.configure({ rateLimit: { max: 2, windowMs: 60_000 } });
		const answers = [
			await poll(),
			await poll(),
			await poll(),
			await submit({ prompt: 'x [sim:sync]' }),
		];
		expect(answers.map((r) => r.status)).toEqual([404, 404, 429, 200]);
		// the rest of the window in whole seconds (the exact rounding is checked with a clock above)
		expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(Number(answers[2].headers.get('retry-after'))).toBeLessThanOrEqual(60);
	});

	it('random faults hit submit and poll from a seeded PRNG: the same seed, the same faults', async () => {
		const run = async () => {
			const s = await startSimulator({
				mode: 'sync',
				randomFaults: { rate: 0.5, types: ['status', 'empty'], seed: 7 },
			});
			try {
				const out: string[] = [];
				for (let i = 0; i < 12; i++) {
					const res = await fetch(`${s.submitBaseUrl}/getImage`, {
						method: 'POST',
						headers: { ...headers(), 'Ocp-Apim-Subscription-Key': s.key },
						body: '{"prompt":"x"}',
					});
					out.push(`${res.status}:${(await res.text()).length > 0}`);
				}
				return out.join(' ');
			} finally {
				await s.close();
			}
		};
		const first = await run();
		expect(await run()).toBe(first);
		expect(first).toMatch(/429/);
		expect(first).toMatch(/200:true/);
	});

	it('resultNoise makes PNGs of about 1 MB at 512x512', async () => {
		sim.configure({ resultNoise: true, mode: 'sync' });
		const { imageUrl } = (await (await submit({ prompt: 'bench', ...dog() })).json()) as {
			imageUrl: string;
		};
		const size = (await getPng(imageUrl)).length;
		expect(size).toBeGreaterThan(850_000);
		expect(size).toBeLessThan(1_300_000);
	});

	it('stats and the request log over the control routes; reset() clears them and restores the start config', async () => {
		sim.configure({ mode: 'sync' });
		sim.enqueueFaults({ endpoint: 'poll', type: 'html' });
		await submit({ prompt: 'x' });
		await poll();
		const stats = (await (await fetch(`${sim.url}/__control/stats`)).json()) as any;
		expect(stats).toMatchObject({
			requests: { submit: 1, poll: 1, results: 0, other: 0 },
			answered: { 200: 1, 502: 1 },
			jobsCreated: 1,
		});
		const log = (await (await fetch(`${sim.url}/__control/requests`)).json()) as any[];
		expect(log.map((e) => [e.endpoint, e.status, e.fault])).toEqual([
			['submit', 200, null],
			['poll', 502, 'html'],
		]);
		expect(log[0].body).toEqual({ prompt: 'x' });
		expect(await (await fetch(`${sim.url}/__control/config`)).json()).toMatchObject({
			mode: 'sync',
		});
		const bad = await fetch(`${sim.url}/__control/configure`, {
			method: 'POST',
			body: '{"nope":1}',
		});
		expect([bad.status, ((await bad.json()) as any).details]).toEqual([
			400,
			'unknown config key "nope"',
		]);
		await fetch(`${sim.url}/__control/reset`, { method: 'POST' });
		expect([sim.stats().jobsCreated, sim.requests().length, sim.config().mode]).toEqual([
			0,
			0,
			'async',
		]);
	});

	it('close() does not wait for a hung request: it ends it and resolves', async () => {
		const own = await startSimulator();
		own.enqueueFaults([{ type: 'hang' }]);
		const arrived = new Promise((resolve) => own.onRequest(resolve));
		const pending = fetch(`${own.pollBaseUrl}/getGenerationResults`, {
			method: 'POST',
			headers: { ...headers(), 'Ocp-Apim-Subscription-Key': own.key },
			body: '{"job_set_id":"x"}',
		}).then(
			() => 'answered',
			() => 'closed',
		);
		await arrived;
		await own.close(); // the hang never answers: resolving at all shows close() did not wait for it
		expect(await pending).toBe('closed');
		expect(own.close()).toBe(own.close()); // the same promise again
	});

	// Several keys, quotas, job lengths, renamed fields, result bodies that are not images.

	it('several keys: each accepted, each with its own rate limit, counted by label in answeredByKey; a key is never printed', async () => {
		const printed: string[] = [];
		const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
			printed.push(String(chunk));
			return true;
		});
		const own = await startSimulator({
			keys: ['second-key-0123456789', 'third-key-0123456789'],
			rateLimit: { max: 1, windowMs: 60_000 },
			log: true,
		});
		try {
			const ask = (key: string) =>
				fetch(`${own.pollBaseUrl}/getGenerationResults`, {
					method: 'POST',
					headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': key },
					body: '{"job_set_id":"x"}',
				}).then((r) => r.status);
			const statuses = [];
			for (const key of [own.key, own.key, ...own.keys, own.keys[0], 'wrong', own.forbiddenKey])
				statuses.push(await ask(key));
			expect(statuses).toEqual([404, 429, 404, 404, 429, 401, 403]);
			expect(own.keys).toEqual(['second-key-0123456789', 'third-key-0123456789']);
			expect(own.stats().answeredByKey).toEqual({
				key0: { 404: 1, 429: 1 },
				key1: { 404: 1, 429: 1 },
				key2: { 404: 1 },
				other: { 401: 1, 403: 1 },
			});
			expect(own.requests().map((r: any) => r.keyLabel)).toEqual([
				'key0',
				'key0',
				'key1',
				'key2',
				'key1',
				'other',
				'other',
			]);
			const sampleUrl = await fetch(own.sampleImageUrl);
			await sampleUrl.arrayBuffer();
			expect(own.requests().at(-1)).toMatchObject({ endpoint: 'other', keyLabel: null });
		} finally {
			await own.close();
			write.mockRestore();
		}
		const lines = printed.join('');
		expect(lines).toMatch(/POST \/poll\/getGenerationResults -> 404 \d+ms key1\n/);
		for (const key of ['second-key-0123456789', 'third-key-0123456789', 'sim-key-0123456789abcdef'])
			expect(lines).not.toContain(key);
		await expect(startSimulator({ keys: ['a', 'a'] })).rejects.toThrow(/differ/);
		await expect(startSimulator({ keys: ['sim-key-forbidden'] })).rejects.toThrow(/forbiddenKey/);
		await expect(startSimulator({ keys: [''] })).rejects.toThrow(/non-empty/);
	});

	it('a quota answers 403 with Retry-After and the gateway wording past its limit, per key, after the key check and the rate limit', async () => {
		sim.configure({ quota: { limit: 2, renewSec: 3600 } });
		expect((await submit({ prompt: 'q [sim:sync]' })).status).toBe(200);
		expect((await post('/submit/getImage', { prompt: 'x' }, 'wrong')).status).toBe(401); // not counted
		expect((await poll()).status).toBe(404); // counted: the gateway passed it on
		const refused = await submit({ prompt: 'q [sim:sync]' });
		const retryAfter = Number(refused.headers.get('retry-after'));
		expect(refused.status).toBe(403);
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(3600);
		expect(await refused.json()).toEqual({
			statusCode: 403,
			message: expect.stringMatching(
				/^Out of call volume quota\. Quota will be replenished in \d\d:\d\d:\d\d\.$/,
			),
		});
		expect(sim.stats().jobsCreated).toBe(1);
		sim.configure({ quota: { limit: 0, renewSec: 60, wording: false } }); // a new quota starts fresh
		const plain = await poll();
		expect([plain.status, await plain.json()]).toEqual([
			403,
			{ error: 'Access denied for this operation' },
		]);
		expect(Number(plain.headers.get('retry-after'))).toBeLessThanOrEqual(60);
		sim.configure({ quota: null });
		expect((await poll()).status).toBe(404);
		expect(() => sim.configure({ quota: { limit: 1 } as any })).toThrow(/config quota renewSec/);
	});

	it('jobJitter and [sim:jitter=…] spread async job lengths from a seeded PRNG, repeatable after reset(); stats give each durationMs', async () => {
		const lengths = async () => {
			for (let i = 0; i < 6; i++) await submit({ prompt: `j${i}` });
			await submit({ prompt: 'one [sim:jitter=0.5] [sim:ms=1000]' });
			await submit({ prompt: 'sync [sim:sync]' });
			return sim.stats().jobs.map((j) => j.durationMs);
		};
		sim.configure({ jobMs: 10_000, jobJitter: 0.25, jitterSeed: 3 });
		const first = await lengths();
		for (const ms of first.slice(0, 6)) {
			expect(ms).toBeGreaterThanOrEqual(7500);
			expect(ms).toBeLessThanOrEqual(12_500);
		}
		expect(new Set(first.slice(0, 6)).size).toBeGreaterThan(1);
		expect(first[6]).toBeGreaterThanOrEqual(500);
		expect(first[6]).toBeLessThanOrEqual(1500);
		expect(first[7]).toBe(0); // sync: done at once
		sim.reset();
		sim.configure({ jobMs: 10_000, jobJitter: 0.25, jitterSeed: 3 });
		expect(await lengths()).toEqual(first);
		sim.reset();
		sim.configure({ jobMs: 10_000, jobJitter: 0.25, jitterSeed: 4 });
		expect(await lengths()).not.toEqual(first);
		sim.reset();
		await submit();
		expect(sim.stats().jobs[0].durationMs).toBe(50); // no jitter: jobMs exactly
		expect(() => sim.configure({ jobJitter: 0.95 })).toThrow(/0\.\.0\.9/);
		expect((await submit({ prompt: 'x [sim:jitter=1.5]' })).status).toBe(400);
	});

	it('jobPolls: an async job is running for its first n polls and done at the next one, whatever the time (pending for the first 20 %)', async () => {
		sim.configure({ jobPolls: 4, jobMs: 0 });
		const { job_set_id: id } = (await (await submit()).json()) as { job_set_id: string };
		const statuses = [];
		for (let i = 0; i < 6; i++) statuses.push(((await (await poll(id)).json()) as any).status);
		expect(statuses).toEqual([
			'pending',
			'running',
			'running',
			'running',
			'succeeded',
			'succeeded',
		]);
		const [job] = sim.stats().jobs;
		expect(job.finishAt).toBe(job.pollTimes[4]);
		expect(job.durationMs).toBe(job.finishAt - job.createdAt);
		expect(job.firstSucceededPollAt).toBe(job.finishAt);
		const { job_set_id: next } = (await (await submit({ prompt: 'q' })).json()) as any;
		expect(sim.stats().jobs[1]).toMatchObject({ finishAt: null, durationMs: null });
		sim.configure({ jobPolls: 0 });
		const { job_set_id: at0 } = (await (await submit({ prompt: 'r' })).json()) as any;
		expect(((await (await poll(at0)).json()) as any).status).toBe('succeeded');
		expect(((await (await poll(next)).json()) as any).status).toBe('pending'); // keeps its own jobPolls
	});

	it('renameFields renames keys at any depth in the bodies submit and poll answer (errors included, not faults)', async () => {
		sim.configure({
			jobPolls: 0,
			renameFields: {
				job_set_id: 'jobSetId',
				imageUrl: 'image',
				status: 'state',
				error: 'message',
			},
		});
		const accepted = (await (await submit()).json()) as any;
		expect(accepted).toEqual({ success: true, jobSetId: expect.any(String), state: 'pending' });
		const done = (await (await poll(accepted.jobSetId)).json()) as any;
		expect(done).toEqual({
			state: 'succeeded',
			results: [{ image: expect.stringMatching(/\/results\//), job_id: expect.any(String) }],
			jobSetId: accepted.jobSetId,
		});
		expect(await (await post('/poll/getGenerationResults', {}, 'wrong')).json()).toEqual({
			message: 'Invalid or missing authentication',
		});
		sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 500 });
		expect(await (await poll()).json()).toEqual({
			error: 'An unexpected error occurred, please try again later',
		});
		expect(() => sim.configure({ renameFields: { status: '' } })).toThrow(/renameFields/);
		sim.configure({ renameFields: null });
		expect(Object.keys((await (await submit({ prompt: 'z' })).json()) as any)).toContain(
			'job_set_id',
		);
	});

	it('result body faults: a declared image/png whose bytes are a JPEG, WebP or GIF, with Content-Length; HEAD; an HTML page answered 200', async () => {
		const { imageUrl } = (await (await submit({ prompt: 'b [sim:sync]' })).json()) as any;
		sim.enqueueFaults([
			{ endpoint: 'results', type: 'body', prefix: 'ffd8ffe0', size: 1000 },
			{
				endpoint: 'results',
				type: 'body',
				prefix: '52494646xxxxxxxx57454250',
				size: 300_000,
				contentType: 'image/webp',
				bytesPerChunk: 7,
				headers: { 'X-Extra': 'yes' },
			},
			{ endpoint: 'results', type: 'body', prefix: '474946383961', size: 6, status: 206 },
			{ endpoint: 'results', type: 'body', size: 0 },
			{ endpoint: 'results', type: 'html', status: 200 },
		]);
		const jpeg = await fetch(imageUrl);
		const jpegBytes = Buffer.from(await jpeg.arrayBuffer());
		expect([
			jpeg.status,
			jpeg.headers.get('content-type'),
			jpeg.headers.get('content-length'),
		]).toEqual([200, 'image/png', '1000']);
		expect(jpegBytes.length).toBe(1000);
		expect(jpegBytes.subarray(0, 4).toString('hex')).toBe('ffd8ffe0');
		expect(jpegBytes.subarray(4).every((b) => b === 0)).toBe(true);
		const webp = await fetch(imageUrl);
		const webpBytes = Buffer.from(await webp.arrayBuffer());
		expect([
			webp.headers.get('content-type'),
			webp.headers.get('x-extra'),
			webpBytes.length,
		]).toEqual(['image/webp', 'yes', 300_000]);
		expect(webpBytes.subarray(0, 12).toString('latin1')).toBe('RIFF\0\0\0\0WEBP');
		const gif = await fetch(imageUrl);
		expect([gif.status, Buffer.from(await gif.arrayBuffer()).toString('latin1')]).toEqual([
			206,
			'GIF89a',
		]);
		const empty = await fetch(imageUrl);
		expect([empty.headers.get('content-length'), (await empty.arrayBuffer()).byteLength]).toEqual([
			'0',
			0,
		]);
		const html = await fetch(imageUrl);
		expect([html.status, html.headers.get('content-type'), await html.text()]).toEqual([
			200,
			'text/html; charset=utf-8',
			'<html><body><h1>502 Bad Gateway</h1></body></html>',
		]);
		sim.enqueueFaults({ endpoint: 'results', type: 'body', prefix: 'ffd8', size: 50 });
		const head = await fetch(imageUrl, { method: 'HEAD' });
		expect([
			head.status,
			head.headers.get('content-length'),
			(await head.arrayBuffer()).byteLength,
		]).toEqual([200, '50', 0]);
		expect(sim.stats().faultsInjected.body).toBe(5);
		expect((await getPng(imageUrl)).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // normal again
	});

	it('a body fault without a size serves the real result (or the sample dog for an unknown id) under the declared Content-Type', async () => {
		const { imageUrl } = (await (await submit({ prompt: 'real [sim:sync]' })).json()) as any;
		const real = await getPng(imageUrl);
		sim.enqueueFaults([
			{ endpoint: 'results', type: 'body', contentType: 'text/html' },
			{ endpoint: 'results', type: 'body', contentType: 'application/octet-stream' },
		]);
		const asHtml = await fetch(imageUrl);
		expect([asHtml.status, asHtml.headers.get('content-type')]).toEqual([200, 'text/html']);
		expect(Buffer.from(await asHtml.arrayBuffer()).equals(real)).toBe(true);
		const unknown = await fetch(`${sim.url}/results/nope.png`);
		expect(unknown.headers.get('content-type')).toBe('application/octet-stream');
		expect(Buffer.from(await unknown.arrayBuffer()).equals(await getPng(sim.sampleImageUrl))).toBe(
			true,
		);
	});

	it('a body fault streams 200 MB with Content-Length, or an endless body until the client closes, without holding it', async () => {
		const { imageUrl } = (await (await submit({ prompt: 'big [sim:sync]' })).json()) as any;
		const size = 200 * 1024 * 1024;
		sim.enqueueFaults([
			{ endpoint: 'results', type: 'body', prefix: '89504e470d0a1a0a', size },
			{
				endpoint: 'results',
				type: 'body',
				prefix: 'ffd8ffe0',
				size: 'endless',
				bytesPerChunk: 1 << 20,
			},
		]);
		const count = async (res: Response, stopAfter = Infinity) => {
			const reader = res.body!.getReader();
			let bytes = 0;
			let first: Uint8Array | undefined;
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				first ??= value;
				bytes += value.length;
				if (bytes >= stopAfter) {
					await reader.cancel();
					break;
				}
			}
			return { bytes, first: Buffer.from(first!) };
		};
		const big = await fetch(imageUrl);
		expect(big.headers.get('content-length')).toBe(String(size));
		const read = await count(big);
		expect(read.bytes).toBe(size);
		expect(read.first.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
		const endless = await fetch(imageUrl);
		expect(endless.headers.get('content-length')).toBeNull();
		const part = await count(endless, 64 * 1024 * 1024); // still going: the client stops it
		expect(part.bytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
		expect(part.first.subarray(0, 4).toString('hex')).toBe('ffd8ffe0');
		const entry = sim
			.requests()
			.filter((r: any) => r.fault === 'body')
			.at(-1)!;
		expect(entry.status).toBeNull(); // never finished: the client closed it
	});

	it('close() ends an endless body and resolves', async () => {
		const own = await startSimulator({ mode: 'sync' });
		const { imageUrl } = (await (
			await fetch(`${own.submitBaseUrl}/getImage`, {
				method: 'POST',
				headers: { ...headers(), 'Ocp-Apim-Subscription-Key': own.key },
				body: '{"prompt":"x"}',
			})
		).json()) as any;
		own.enqueueFaults({ endpoint: 'results', type: 'body', size: 'endless' });
		const res = await fetch(imageUrl);
		const reader = res.body!.getReader();
		await reader.read();
		await own.close();
		await expect(
			(async () => {
				for (;;) if ((await reader.read()).done) return 'ended';
			})(),
		).rejects.toThrow(); // cut off, not ended
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
