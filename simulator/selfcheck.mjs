// Quick self-check of the simulator: node simulator/selfcheck.mjs (exit code 1 on failure).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { decodePng, encodePng } from './png.mjs';
import { checkLimitsAndFaults } from './selfcheck-limits.mjs';
import { startSimulator } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;
let passed = 0;

/** @param {string} name @param {() => Promise<void>} fn */
async function check(name, fn) {
	try {
		await fn();
		passed++;
		process.stdout.write(`ok   ${name}\n`);
	} catch (err) {
		failures++;
		process.stdout.write(
			`FAIL ${name}\n     ${String(/** @type {Error} */ (err).stack ?? err)
				.split('\n')
				.slice(0, 14)
				.join('\n     ')}\n`,
		);
	}
}

const sim = await startSimulator({ jobMs: 200 });
const H = { 'Ocp-Apim-Subscription-Key': sim.key, 'Content-Type': 'application/json' };
/** POST JSON to submit or poll; returns { status, headers, text, json }. */
/** @param {'submit' | 'poll'} which @param {unknown} body @param {Record<string, string>} [headers] @param {RequestInit} [init] */
async function post(which, body, headers = H, init = {}) {
	const url =
		which === 'submit'
			? `${sim.submitBaseUrl}/getImage`
			: `${sim.pollBaseUrl}/getGenerationResults`;
	const res = await fetch(url, {
		method: 'POST',
		headers,
		body: typeof body === 'string' ? body : JSON.stringify(body),
		...init,
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined; // not JSON: the caller checks `text`
	}
	return { status: res.status, headers: res.headers, text, json };
}
const getPng = async (url) => {
	const res = await fetch(url);
	assert.equal(res.status, 200, url);
	assert.equal(res.headers.get('content-type'), 'image/png');
	const buf = Buffer.from(await res.arrayBuffer());
	assert.equal(Number(res.headers.get('content-length')), buf.length);
	return buf;
};
const px = (img, x, y) => [
	...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3),
];
const DOG = { imageUrl: sim.sampleImageUrl, maskUrl: sim.sampleMaskUrl };
/** Submit async and poll until terminal. */
async function runJob(body) {
	const sub = await post('submit', body);
	assert.equal(sub.status, 200, sub.text);
	for (;;) {
		const p = await post('poll', { job_set_id: sub.json.job_set_id });
		if (!['pending', 'running'].includes(p.json.status)) return p.json;
		await sleep(40);
	}
}

await check('sample image and mask', async () => {
	const img = decodePng(await getPng(sim.sampleImageUrl));
	const mask = decodePng(await getPng(sim.sampleMaskUrl));
	assert.deepEqual([img.width, img.height, mask.width, mask.height], [512, 512, 512, 512]);
	assert.deepEqual(px(mask, 255, 300), [255, 255, 255]); // dog body
	assert.deepEqual(px(mask, 20, 20), [0, 0, 0]); // sky
	assert.deepEqual(px(mask, 262, 425), [0, 0, 0]); // shadow is not dog
});

await check('auth: 401 missing/wrong key, 403 forbidden key', async () => {
	const noKey = await post('submit', { prompt: 'x' }, { 'Content-Type': 'application/json' });
	assert.deepEqual(
		[noKey.status, noKey.json],
		[401, { error: 'Invalid or missing authentication' }],
	);
	assert.equal(
		(await post('poll', { job_set_id: 'x' }, { ...H, 'Ocp-Apim-Subscription-Key': 'bad' })).status,
		401,
	);
	const forbidden = await post(
		'submit',
		{ prompt: 'x' },
		{ ...H, 'Ocp-Apim-Subscription-Key': sim.forbiddenKey },
	);
	assert.deepEqual(
		[forbidden.status, forbidden.json],
		[403, { error: 'Access denied for this operation' }],
	);
});

await check('validation: 400 with details', async () => {
	for (const body of [
		'not json',
		'[1]',
		{ prompt: '' },
		{ prompt: 'x', foo: 1 },
		{ prompt: 'x', seed: 1.5 },
		{ prompt: 'x', width: 10 },
		{ prompt: 'x', imageUrl: 'ftp://a/b.png' },
		{ prompt: 'x [sim:bogus]' },
	]) {
		const r = await post('submit', body);
		assert.equal(r.status, 400, JSON.stringify(body));
		assert.equal(r.json.error, 'Invalid request parameters');
		assert.ok(r.json.details);
	}
	assert.match((await post('submit', { prompt: 'x', foo: 1 })).json.details, /foo/);
	assert.equal(
		(await post('submit', { prompt: 'x', guidance: 7.5, num_steps: 20, negative_prompt: '' }))
			.status,
		200,
	);
	assert.equal((await post('poll', {})).status, 400);
	assert.deepEqual((await post('poll', { job_set_id: 'jobset_nope' })).json, {
		error: 'Job set not found',
	});
});

await check('404 routes', async () => {
	for (const [method, path] of [
		['GET', '/nope'],
		['GET', '/submit/getImage'],
		['POST', '/poll/getImage'],
		['GET', '/results/x.png'],
	]) {
		const res = await fetch(sim.url + path, {
			method,
			headers: H,
			body: method === 'POST' ? '{}' : undefined,
		});
		assert.equal(res.status, 404, path);
		assert.deepEqual(await res.json(), { error: 'Endpoint not found' });
	}
});

await check('async job: pending → running → succeeded, real result image', async () => {
	const sub = await post('submit', { prompt: 'Change to a lion', ...DOG, seed: 42 });
	assert.equal(sub.json.success, true);
	assert.match(sub.json.job_set_id, /^jobset_/);
	const seen = new Set();
	let last;
	for (let i = 0; i < 50; i++) {
		last = (await post('poll', { job_set_id: sub.json.job_set_id })).json;
		seen.add(last.status);
		if (last.status === 'succeeded') break;
		await sleep(15);
	}
	assert.deepEqual([...seen], ['pending', 'running', 'succeeded']);
	assert.equal(last.results.length, 1);
	assert.match(last.results[0].job_id, /^job_\d+$/);
	const out = decodePng(await getPng(last.results[0].imageUrl));
	const dog = decodePng(await getPng(sim.sampleImageUrl));
	assert.notDeepEqual(px(out, 255, 300), px(dog, 255, 300)); // repainted
	assert.deepEqual(px(out, 20, 20), px(dog, 20, 20)); // untouched
	const again = await runJob({ prompt: 'Change to a lion', ...DOG, seed: 42 });
	assert.ok(
		(await getPng(again.results[0].imageUrl)).equals(await getPng(last.results[0].imageUrl)),
		'deterministic',
	);
});

await check('directives: results=2, sync, outcome, status, nourl, noimage; size', async () => {
	const two = await runJob({
		prompt: 'a cat [sim:results=2] [sim:ms=0]',
		...DOG,
		width: 256,
		height: 128,
	});
	const [a, b] = await Promise.all(two.results.map((r) => getPng(r.imageUrl)));
	assert.ok(!a.equals(b));
	assert.deepEqual([decodePng(a).width, decodePng(a).height], [256, 128]);
	const sync = await post('submit', { prompt: 'a cat [sim:sync]' });
	assert.deepEqual(Object.keys(sync.json), ['imageUrl']);
	await getPng(sync.json.imageUrl); // no input image: gradient canvas
	assert.deepEqual((await post('submit', { prompt: 'x [sim:noimage]' })).json, { success: true });
	const failed = await runJob({ prompt: 'x [sim:outcome=failed] [sim:ms=0]' });
	assert.deepEqual(
		[failed.status, failed.error],
		['failed', 'The model could not process this image'],
	);
	const nourl = await runJob({ prompt: 'x [sim:nourl] [sim:ms=0]' });
	assert.equal(nourl.results[0].imageUrl, undefined);
	const q = await post('submit', { prompt: 'x [sim:status=queued] [sim:ms=0]' });
	assert.equal((await post('poll', { job_set_id: q.json.job_set_id })).json.status, 'queued');
});

await check(
	'input fetched from another local server, non-local falls back to the dog',
	async () => {
		const grey = Buffer.alloc(64 * 32 * 4, 200);
		for (let i = 3; i < grey.length; i += 4) grey[i] = 255;
		const png = encodePng({ width: 64, height: 32, data: grey });
		const other = createServer((_req, res) => res.end(png)).listen(0, '127.0.0.1');
		await new Promise((r) => other.once('listening', r));
		const url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (other.address()).port}/in.png`;
		const r = await runJob({ prompt: 'p [sim:ms=0]', imageUrl: url });
		const out = decodePng(await getPng(r.results[0].imageUrl));
		assert.deepEqual([out.width, out.height, ...px(out, 1, 1)], [64, 32, 200, 200, 200]);
		other.close();
		const far = await runJob({ prompt: 'p [sim:ms=0]', imageUrl: 'https://example.com/x.png' });
		assert.equal(decodePng(await getPng(far.results[0].imageUrl)).width, 512);
	},
);

await check('faults: status, html, malformed, empty, delay', async () => {
	sim.enqueueFaults([
		{ endpoint: 'submit', type: 'status', status: 429, headers: { 'Retry-After': '1' } },
		{ endpoint: 'poll', type: 'html' },
		{ type: 'malformed' },
		{ type: 'empty' },
		{ type: 'delay', ms: 150 },
	]);
	const limited = await post('submit', { prompt: 'x' });
	assert.deepEqual(
		[limited.status, limited.headers.get('retry-after'), limited.json.error],
		[429, '1', 'Rate limit exceeded, please retry later'],
	);
	const html = await post('poll', { job_set_id: 'x' });
	assert.deepEqual(
		[html.status, html.headers.get('content-type')],
		[502, 'text/html; charset=utf-8'],
	);
	assert.deepEqual(
		[(await post('poll', {})).text, (await post('poll', {})).text],
		['{"status": "succ', ''],
	);
	const t0 = Date.now();
	assert.equal((await post('submit', { prompt: 'x [sim:sync]' })).status, 200);
	assert.ok(Date.now() - t0 >= 140);
});

await check('faults: drop, dropAfterAccept (duplicate), hang; control route', async () => {
	const before = /** @type {any} */ (sim.stats());
	sim.enqueueFaults([
		{ endpoint: 'submit', type: 'drop' },
		{ endpoint: 'submit', type: 'dropAfterAccept' },
	]);
	await assert.rejects(post('submit', { prompt: 'dup me' }));
	assert.equal(sim.stats().jobsCreated, before.jobsCreated);
	await assert.rejects(post('submit', { prompt: 'dup me' }));
	assert.equal((await post('submit', { prompt: 'dup me' })).status, 200);
	const after = /** @type {any} */ (sim.stats());
	assert.equal(after.jobsCreated, before.jobsCreated + 2);
	assert.equal(after.duplicateSubmits, before.duplicateSubmits + 1);
	const res = await fetch(`${sim.url}/__control/faults`, {
		method: 'POST',
		body: JSON.stringify([{ type: 'hang' }]),
	});
	assert.deepEqual(await res.json(), { ok: true, queued: 1 });
	await assert.rejects(post('poll', { job_set_id: 'x' }, H, { signal: AbortSignal.timeout(200) }));
	assert.equal(/** @type {any} */ (sim.stats()).faultsInjected.hang, 1);
});

await check('rate limit with Retry-After', async () => {
	sim.configure({ rateLimit: { max: 2, windowMs: 1500 } });
	const codes = [];
	for (let i = 0; i < 3; i++) codes.push(await post('poll', { job_set_id: 'x' }));
	assert.deepEqual(
		codes.map((c) => c.status),
		[404, 404, 429],
	);
	assert.equal(codes[2].headers.get('retry-after'), '2');
	sim.configure({ rateLimit: null });
});

await checkLimitsAndFaults({ sim, check, post });

await check('random faults are deterministic', async () => {
	const run = async () => {
		const s = await startSimulator({
			mode: 'sync',
			randomFaults: { rate: 0.5, types: ['status', 'empty'], seed: 7 },
		});
		const out = [];
		for (let i = 0; i < 12; i++) {
			const res = await fetch(`${s.submitBaseUrl}/getImage`, {
				method: 'POST',
				headers: { ...H, 'Ocp-Apim-Subscription-Key': s.key },
				body: '{"prompt":"x"}',
			});
			out.push(`${res.status}:${(await res.text()).length > 0}`);
		}
		await s.close();
		return out.join(' ');
	};
	const a = await run();
	assert.equal(a, await run());
	assert.match(a, /429/);
});

await check('resultNoise makes ~1 MB PNGs', async () => {
	sim.configure({ resultNoise: true, mode: 'sync' });
	const r = await post('submit', { prompt: 'bench', ...DOG });
	const size = (await getPng(r.json.imageUrl)).length;
	assert.ok(size > 850_000 && size < 1_300_000, String(size));
});

await check('stats, request log, reset', async () => {
	const st = await (await fetch(`${sim.url}/__control/stats`)).json();
	assert.ok(st.requests.submit > 10 && st.requests.poll > 5 && st.answered['200'] > 10);
	const job = st.jobs.find((j) => j.prompt === 'Change to a lion');
	assert.ok(job.firstSucceededPollAt >= job.finishAt);
	const log = sim.requests();
	assert.ok(log.some((e) => e.fault === 'html' && e.status === 502));
	assert.ok(log.every((e) => typeof e.time === 'number' && e.headers));
	sim.reset();
	assert.deepEqual(
		[sim.stats().jobsCreated, sim.requests().length, sim.config().mode],
		[0, 0, 'async'],
	);
});

await check('close() is immediate with a hanging request', async () => {
	sim.enqueueFaults([{ type: 'hang' }]);
	const pending = post('poll', { job_set_id: 'x' }).catch(() => 'closed');
	await sleep(50);
	const t0 = Date.now();
	await sim.close();
	assert.equal(await pending, 'closed');
	assert.ok(Date.now() - t0 < 500);
});

process.stdout.write(`\n${passed} passed, ${failures} failed\n`);
process.exit(failures ? 1 : 0);
