// A long-lived process: 10,000 one-item executions through n8n-core in this one process, spread
// over many keys, two hosts and three kinds of job, in the way of a webhook per image. Run in a
// process of its own with --expose-gc (bench/run.mjs does); prints one JSON line: resident memory
// after a warm-up and at the end (after GC), and how many entries the node's shared state holds.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { disposeHarness, loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
import { inPool, root } from './lib.mjs';
import { forkSimulator } from './simProcess.mjs';

const executions = Number(process.argv[2] ?? 10_000);
const warmUp = Math.min(2000, Math.round(executions / 5));
const KEYS = 300; // more than the shared state keeps (200): the oldest idle ones must go
const AT_ONCE = 10;

const keys = Array.from({ length: KEYS }, (_, k) => `long-run-key-${k}`);
const sim = await forkSimulator({ mode: 'sync', jobMs: 50, keys });
const pkg = await loadPackage(root);
const shared = createRequire(import.meta.url);
const { paceLineCount } = shared(join(root, 'dist/nodes/Inpaint/transport/pace/paceLines.js'));
const { jobKindCount } = shared(join(root, 'dist/nodes/Inpaint/job/jobKinds.js'));

/** Execution n: key n mod KEYS, host 127.0.0.1 or localhost, every fifth one an async job of one of three sizes. */
function execution(n) {
	const host = n % 2 === 0 ? '127.0.0.1' : 'localhost';
	const base = (url) => url.replace('127.0.0.1', host);
	const async = n % 5 === 0;
	return {
		pkg,
		workflow: inpaintWorkflow({
			operation: 'submit',
			prompt: `long run ${n}${async ? ' [sim:async]' : ''}`,
			imageUrl: sim.sampleImageUrl,
			additionalFields: async ? { width: 256 + 64 * (n % 3) } : {},
			options: { pollInterval: 0.1 },
		}),
		credentials: {
			pixazoApi: simulatorCredential({
				key: keys[n % KEYS],
				submitBaseUrl: base(sim.submitBaseUrl),
				pollBaseUrl: base(sim.pollBaseUrl),
			}),
		},
	};
}

let failed = 0;
async function runMany(from, to) {
	await inPool(to - from, AT_ONCE, async (i) => {
		const run = await runWorkflow(execution(from + i));
		if (run.status !== 'success' || run.output('Inpaint')?.[0]?.json.status !== 'succeeded')
			failed++;
	});
}

/** Resident memory (MB) once the garbage is collected and the heap has settled. */
async function settledRss() {
	for (let k = 0; k < 3; k++) {
		globalThis.gc?.();
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	return process.memoryUsage().rss / 2 ** 20;
}

await runMany(0, warmUp);
const rssAfterWarmUpMb = await settledRss();
const heapAfterWarmUpMb = process.memoryUsage().heapUsed / 2 ** 20;
const started = performance.now();
await runMany(warmUp, warmUp + executions);
const seconds = (performance.now() - started) / 1000;
const rssAtEndMb = await settledRss();
const heapAtEndMb = process.memoryUsage().heapUsed / 2 ** 20;
process.stdout.write(
	`${JSON.stringify({
		executions,
		warmUp,
		keys: KEYS,
		hosts: 2,
		failed,
		seconds,
		rssAfterWarmUpMb,
		rssAtEndMb,
		growthMb: rssAtEndMb - rssAfterWarmUpMb,
		heapAfterWarmUpMb,
		heapAtEndMb,
		paceLines: paceLineCount(),
		jobKinds: jobKindCount(),
	})}\n`,
);
await sim.close();
await disposeHarness();
process.exit(0);
