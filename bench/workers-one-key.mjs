// Queue-mode workers sharing one key, without n8n's queue: N processes (each a worker, which learns
// the API's pace alone), each running its share of one-item executions through n8n-core, `slots`
// at a time (as `n8n worker --concurrency`), all against one simulator that limits the key to 5
// requests a second (a token bucket, burst 5). How the share of 429s grows with N.
//   node bench/workers-one-key.mjs [--workers 2,3,4] [--slots 5] [--executions 120] [--job-ms 2000]
// Needs dist/ (npm run build). Prints one JSON line per N.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';

import { disposeHarness, loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
import { inPool, root } from './lib.mjs';
import { forkSimulator } from './simProcess.mjs';

const RATE = 5;

/** One worker: `count` one-item executions, `slots` at a time; exits with the number that failed. */
async function worker({ sim, name, count, slots, jobMs }) {
	const pkg = await loadPackage(root);
	let failed = 0;
	const one = async (i) => {
		const run = await runWorkflow({
			pkg,
			workflow: inpaintWorkflow({
				operation: 'submit',
				prompt: `${name}-${i} [sim:ms=${jobMs}]`,
				imageUrl: sim.sampleImageUrl,
				maskUrl: sim.sampleMaskUrl,
				waitForCompletion: true,
				additionalFields: {},
				options: { pollInterval: 0.25, timeout: 300 },
			}),
			credentials: { pixazoApi: sim.credential },
		});
		if (run.status !== 'success' || run.output('Inpaint')?.[0]?.json.status !== 'succeeded')
			failed++;
	};
	await inPool(count, slots, one);
	await disposeHarness();
	process.exit(Math.min(failed, 100));
}

/**
 * N workers at once against one simulator; the 429s per worker and when they came (seconds after
 * the worker's first request; `firstBurst`: within its first second).
 */
async function measure(n, { slots, executions, jobMs }) {
	const sim = await forkSimulator({ jobMs, logLimit: 50_000 });
	await sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: RATE, burst: RATE } });
	const shared = {
		sampleImageUrl: sim.sampleImageUrl,
		sampleMaskUrl: sim.sampleMaskUrl,
		credential: simulatorCredential(sim),
	};
	const failed = await Promise.all(
		Array.from(
			{ length: n },
			(_, w) =>
				new Promise((resolve) => {
					const spec = {
						sim: shared,
						name: `w${w}`,
						count: Math.round(executions / n),
						slots,
						jobMs,
					};
					const child = fork(new URL(import.meta.url), ['--worker', JSON.stringify(spec)]);
					child.once('exit', (code) => resolve(code ?? 1));
				}),
		),
	);
	const [log, stats] = await Promise.all([sim.requests(), sim.stats()]);
	await sim.close();
	const workerOf = new Map(stats.jobs.map((j) => [j.jobSetId, j.prompt.split('-')[0]]));
	const sent = log.filter((r) => r.endpoint === 'submit' || r.endpoint === 'poll');
	const whose = (r) =>
		(r.endpoint === 'submit' ? r.body?.prompt?.split('-')[0] : workerOf.get(r.body?.job_set_id)) ??
		'?';
	// Times from each worker's first request (the processes take a moment to start).
	const firstAt = {};
	for (const r of sent) firstAt[whose(r)] ??= r.time;
	const refused = sent.filter((r) => r.status === 429);
	// First request → last answer: the processes' start-up left out.
	const seconds =
		(Math.max(...sent.map((r) => r.doneAt ?? r.time)) - Math.min(...sent.map((r) => r.time))) /
		1000;
	const perWorker = {};
	let firstBurst = 0;
	for (const r of refused) {
		const w = whose(r);
		const s = (r.time - firstAt[w]) / 1000;
		if (s < 1) firstBurst++;
		(perWorker[w] ??= []).push(+s.toFixed(1));
	}
	return {
		workers: n,
		slots,
		executions: Math.round(executions / n) * n,
		failed: failed.reduce((a, b) => a + b, 0),
		jobs: stats.jobsCreated,
		duplicates: stats.duplicateSubmits,
		requests: sent.length,
		refused: refused.length,
		share: +(refused.length / sent.length).toFixed(3),
		firstBurst,
		seconds: +seconds.toFixed(1),
		floorS: +((sent.length - refused.length) / RATE).toFixed(1),
		refusedAtS: perWorker,
	};
}

if (process.argv[2] === '--worker') {
	await worker(JSON.parse(process.argv[3]));
} else {
	const { values } = parseArgs({
		options: {
			workers: { type: 'string', default: '2,3,4' },
			slots: { type: 'string', default: '5' },
			executions: { type: 'string', default: '120' },
			'job-ms': { type: 'string', default: '2000' },
		},
	});
	const options = {
		slots: Number(values.slots),
		executions: Number(values.executions),
		jobMs: Number(values['job-ms']),
	};
	for (const n of values.workers.split(',').map(Number))
		process.stdout.write(`${JSON.stringify(await measure(n, options))}\n`);
	process.exit(0);
}
