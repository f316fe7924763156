// npm run bench: every figure measured side by side in one run, against the simulator (in its
// own process, like a remote API). Prints a table and writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Agent, request } from 'undici';

import {
	Container,
	disposeHarness,
	loadPackage,
	n8nCoreVersion,
	runWorkflow,
} from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
import { forkSimulator } from './simProcess.mjs';
import { items, uniquePrompt } from './workflow.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const say = (text = '') => process.stdout.write(`${text}\n`);
const round = (n, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const DEFAULT_POLL_INTERVAL_MS = 2000;
const CONCURRENCY = 10; // the node's default

const sim = await forkSimulator({ jobMs: 2000 });
const pkg = await loadPackage(root);
const credentials = {
	pixazoApi: simulatorCredential(sim),
};
const submit = (extra = {}) => ({
	operation: 'submit',
	prompt: uniquePrompt,
	imageUrl: sim.sampleImageUrl,
	maskUrl: sim.sampleMaskUrl,
	...extra,
});

async function timedRun(n, parameters, tag) {
	const started = performance.now();
	const run = await runWorkflow({
		pkg,
		workflow: inpaintWorkflow(parameters),
		credentials,
		input: items(n, tag),
	});
	const ms = performance.now() - started;
	const out = run.output('Inpaint') ?? [];
	const ok = out.filter((i) => i.json.status === 'succeeded').length;
	if (run.status !== 'success' || ok !== n)
		throw new Error(`${tag}: ${run.status}, ${ok}/${n} succeeded: ${run.error?.message}`);
	return ms;
}

/** What today's peer nodes do: one item after the other, submit then poll until done. */
async function itemByItem(n, jobMs) {
	const dispatcher = new Agent({ connections: 1 });
	const post = async (url, body) => {
		const res = await request(url, {
			method: 'POST',
			dispatcher,
			headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': sim.key },
			body: JSON.stringify(body),
		});
		return await res.body.json();
	};
	const started = performance.now();
	for (let i = 0; i < n; i++) {
		const job = await post(`${sim.submitBaseUrl}/getImage`, {
			prompt: `peer loop ${i} [sim:ms=${jobMs}]`,
		});
		for (;;) {
			await new Promise((r) => setTimeout(r, DEFAULT_POLL_INTERVAL_MS));
			const state = await post(`${sim.pollBaseUrl}/getGenerationResults`, {
				job_set_id: job.job_set_id,
			});
			if (state.status === 'succeeded') break;
		}
	}
	await dispatcher.close();
	return performance.now() - started;
}

/** Sends `n` requests with `send`, CONCURRENCY at a time, as the node's gate does; returns the ms taken. */
async function inPool(n, send) {
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (next < n) {
				next++;
				await send();
			}
		}),
	);
	return performance.now() - started;
}

/** The body the node sends for the overhead figure (a fixed prompt, see there). */
const sameBody = () =>
	JSON.stringify({
		prompt: 'Change to a lion',
		imageUrl: sim.sampleImageUrl,
		maskUrl: sim.sampleMaskUrl,
	});

/** The same requests as the node makes in sync mode, from a bare undici client. */
async function rawClient(n) {
	const dispatcher = new Agent({ connections: CONCURRENCY });
	const ms = await inPool(n, async () => {
		const res = await request(`${sim.submitBaseUrl}/getImage`, {
			method: 'POST',
			dispatcher,
			headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': sim.key },
			body: sameBody(),
		});
		const body = await res.body.json();
		if (!body.imageUrl) throw new Error('raw client: no image');
	});
	await dispatcher.close();
	return ms;
}

/**
 * The same requests through n8n's own HTTP layer (what `httpRequestWithAuthentication` calls),
 * without the engine or the node: the floor for any node that uses n8n's helpers.
 */
async function n8nTransport(n) {
	const fromCore = createRequire(createRequire(import.meta.url).resolve('n8n-core'));
	const { OutboundHttp } = fromCore('@n8n/backend-network');
	const http = Container.get(OutboundHttp).requests();
	return await inPool(n, async () => {
		const res = await http.request({
			method: 'POST',
			url: `${sim.submitBaseUrl}/getImage`,
			headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': sim.key },
			body: sameBody(),
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 60_000,
		});
		if (!JSON.parse(res.body).imageUrl) throw new Error('n8n transport: no image');
	});
}

const results = {
	machine: {
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model,
		memoryGb: round(os.totalmem() / 2 ** 30, 1),
		node: process.version,
		n8nCore: n8nCoreVersion,
	},
	date: new Date().toISOString(),
};

// 1. loadTimeMs: requiring the built node and credential files in a fresh process (n8n-workflow,
// which n8n has loaded long before, is required first and not counted).
{
	const script = `require('n8n-workflow');const t=process.hrtime.bigint();require('./dist/nodes/Inpaint/Inpaint.node.js');require('./dist/credentials/PixazoApi.credentials.js');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
	const samples = Array.from({ length: 7 }, () =>
		Number(execFileSync(process.execPath, ['-e', script], { cwd: root })),
	);
	results.loadTimeMs = round(median(samples));
	results.loadTimeSamplesMs = samples.map((s) => round(s));
	say(`load time: ${results.loadTimeMs} ms (median of 7 fresh processes)`);
}

// 2. downloadRssMb: in its own process, so nothing else of this run is counted.
{
	const n = quick ? 50 : 200;
	const line = execFileSync(
		process.execPath,
		['--expose-gc', join(here, 'download-memory.mjs'), String(n)],
		{
			cwd: root,
		},
	).toString();
	const mem = JSON.parse(line.trim().split('\n').pop());
	results.downloadRssMb = round(mem.growthMb, 1);
	results.download = {
		items: n,
		...Object.fromEntries(
			Object.entries(mem).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]),
		),
	};
	say(
		`download memory: +${results.downloadRssMb} MB RSS for ${n} items × ${round(mem.avgImageMb)} MB (filesystem binary mode)`,
	);
}

// 3. batchRatio: 100 items of 2 s jobs vs 1 item, default options, side by side.
{
	await sim.configure({ mode: 'async', jobMs: 2000 });
	await timedRun(2, submit(), 'warm'); // warm-up
	const single = [];
	for (let r = 0; r < 3; r++) single.push(await timedRun(1, submit(), `single${r}`));
	const n = quick ? 30 : 100;
	const batch = await timedRun(n, submit(), 'batch');
	const singleMs = median(single);
	results.batchRatio = round(batch / singleMs, 3);
	const refItems = quick ? 3 : 10;
	const peerMs = await itemByItem(refItems, 2000);
	results.batch = {
		items: n,
		jobMs: 2000,
		singleMs: round(singleMs, 0),
		batchMs: round(batch, 0),
		itemByItemMs: round(peerMs, 0),
		itemByItemItems: refItems,
		itemByItemEstimatedForBatchMs: round((peerMs / refItems) * n, 0),
	};
	say(
		`batch: ${n} items ${round(batch / 1000)} s vs 1 item ${round(singleMs / 1000)} s → ratio ${results.batchRatio}`,
	);
	say(
		`  item by item (peers): ${refItems} items ${round(peerMs / 1000)} s → about ${round((peerMs / refItems / 1000) * n)} s for ${n}`,
	);
}

// 4. overheadRatio: 1,000 items answered at once, through the engine vs a bare undici client.
{
	await sim.configure({ mode: 'sync' });
	const n = quick ? 300 : 1000;
	// The same request for every item in all three clients (a fixed prompt: an expression per
	// item would add n8n's expression evaluation, which the bare clients do not do).
	const same = submit({ prompt: 'Change to a lion' });
	await timedRun(100, same, 'warm-sync');
	await rawClient(100);
	await n8nTransport(100);
	const engine = [];
	const raw = [];
	const transport = [];
	for (let r = 0; r < 3; r++) {
		raw.push(await rawClient(n));
		transport.push(await n8nTransport(n));
		engine.push(await timedRun(n, same, `engine${r}`));
	}
	results.overheadRatio = round(median(engine) / median(raw), 3);
	results.overhead = {
		items: n,
		concurrency: CONCURRENCY,
		engineMs: engine.map((x) => round(x, 0)),
		rawUndiciMs: raw.map((x) => round(x, 0)),
		n8nTransportMs: transport.map((x) => round(x, 0)),
		n8nTransportVsRawUndici: round(median(transport) / median(raw), 3),
		engineVsN8nTransport: round(median(engine) / median(transport), 3),
	};
	say(
		`overhead: ${n} sync items engine ${round(median(engine))} ms vs raw undici ${round(median(raw))} ms → ratio ${results.overheadRatio}`,
	);
	say(
		`  n8n's own HTTP layer alone (no engine, no node): ${round(median(transport))} ms = ${results.overhead.n8nTransportVsRawUndici} × raw undici; engine + node = ${results.overhead.engineVsN8nTransport} × that`,
	);
}

// 5. pollsPerJob and detectionDelayP95Ms, for jobs of 1, 5 and 20 s at the default poll interval.
{
	await sim.configure({ mode: 'async' });
	await sim.reset();
	const durations = quick ? [1, 5] : [1, 5, 20];
	const perDuration = 10;
	const input = durations.flatMap((s) =>
		Array.from({ length: perDuration }, (_, k) => ({
			json: { i: `${s}s-${k}`, extra: `[sim:ms=${s * 1000}]` },
		})),
	);
	const run = await runWorkflow({ pkg, workflow: inpaintWorkflow(submit()), credentials, input });
	if (run.status !== 'success') throw new Error(`poll run failed: ${run.error?.message}`);
	const { jobs } = await sim.stats();
	results.pollsPerJob = {};
	results.detectionDelayP95Ms = {};
	results.polls = {};
	for (const s of durations) {
		const mine = jobs.filter((j) => j.prompt.includes(`[sim:ms=${s * 1000}]`));
		const polls = mine.map((j) => j.polls);
		const delays = mine.map((j) => j.firstSucceededPollAt - j.finishAt);
		results.pollsPerJob[`${s}s`] = round(polls.reduce((a, b) => a + b, 0) / polls.length, 2);
		results.detectionDelayP95Ms[`${s}s`] = round(percentile(delays, 95), 0);
		results.polls[`${s}s`] = {
			jobs: mine.length,
			maxPolls: Math.max(...polls),
			goalPolls: round(s / (DEFAULT_POLL_INTERVAL_MS / 1000) + 2, 1),
			delaysMs: delays.map((d) => round(d, 0)),
		};
		say(
			`polls for ${s} s jobs: ${results.pollsPerJob[`${s}s`]} per job (max ${Math.max(...polls)}, goal ≤ ${results.polls[`${s}s`].goalPolls}); detection delay p95 ${results.detectionDelayP95Ms[`${s}s`]} ms (goal ≤ ${DEFAULT_POLL_INTERVAL_MS + 100})`,
		);
	}
}

// 6. rateLimited: 1,000 items of 2 s jobs against a limit of 20 requests a second (a token bucket
// with a second's burst, shared by submit and poll) that the node is not told about.
{
	const n = quick ? 300 : 1000;
	const rate = 20;
	await sim.reset();
	await sim.configure({
		mode: 'async',
		jobMs: 2000,
		rateLimit: { type: 'tokenBucket', ratePerSec: rate, burst: rate },
	});
	const ms = await timedRun(n, submit(), 'rateLimited');
	const { answeredByEndpoint: by, jobsCreated, duplicateSubmits } = await sim.stats();
	const ok = (by.submit?.[200] ?? 0) + (by.poll?.[200] ?? 0);
	const limited = (by.submit?.[429] ?? 0) + (by.poll?.[429] ?? 0);
	const floorMs = (ok / rate) * 1000;
	results.rateLimitedFloorRatio = round(ms / floorMs, 3);
	results.rateLimited429Share = round(limited / (ok + limited), 3);
	results.rateLimited = {
		items: n,
		jobMs: 2000,
		limitPerSec: rate,
		wallMs: round(ms, 0),
		acceptedRequests: ok,
		refused429: limited,
		floorMs: round(floorMs, 0),
		jobsCreated,
		duplicateSubmits,
	};
	say(
		`rate-limited: ${n} items at ${rate} req/s: ${round(ms / 1000)} s vs floor ${round(floorMs / 1000)} s (${ok} accepted requests) → ratio ${results.rateLimitedFloorRatio}; ${limited} × 429 = ${results.rateLimited429Share} of requests`,
	);
	await sim.configure({ rateLimit: null });
}

results.goals = {
	batchRatio: '≤ 1.25',
	overheadRatio: '≤ 1.5',
	pollsPerJob: 'job seconds / 2 + 2',
	detectionDelayP95Ms: `≤ ${DEFAULT_POLL_INTERVAL_MS + 100}`,
	loadTimeMs: '≤ 20',
	downloadRssMb: '≤ 150',
	rateLimitedFloorRatio: '≤ 1.1',
	rateLimited429Share: '≤ 0.05',
};

say('\n| figure | value | goal |');
say('|---|---|---|');
say(`| batchRatio | ${results.batchRatio} | ≤ 1.25 |`);
say(`| overheadRatio | ${results.overheadRatio} | ≤ 1.5 |`);
for (const k of Object.keys(results.pollsPerJob)) {
	say(`| pollsPerJob ${k} | ${results.pollsPerJob[k]} | ≤ ${results.polls[k].goalPolls} |`);
	say(
		`| detectionDelayP95Ms ${k} | ${results.detectionDelayP95Ms[k]} | ≤ ${DEFAULT_POLL_INTERVAL_MS + 100} |`,
	);
}
say(`| loadTimeMs | ${results.loadTimeMs} | ≤ 20 |`);
say(`| downloadRssMb | ${results.downloadRssMb} | ≤ 150 |`);
say(`| rateLimitedFloorRatio | ${results.rateLimitedFloorRatio} | ≤ 1.1 |`);
say(`| rateLimited429Share | ${results.rateLimited429Share} | ≤ 0.05 |`);

if (!quick) await writeFile(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
say(quick ? '\n(--quick: results.json not written)' : '\nWrote bench/results.json');
await sim.close();
await disposeHarness();
process.exit(0);
