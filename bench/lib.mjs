// What the benchmark figures share: the simulator in its own process, the package loaded by
// n8n-core, one key per figure (what the node learns of the API stays in the process, per key:
// a figure must not inherit another's pace), and small statistics.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow } from '../test/harness/inpaint-workflow.mjs';
import { forkSimulator } from './simProcess.mjs';
import { items, uniquePrompt } from './workflow.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
export const say = (text = '') => process.stdout.write(`${text}\n`);
export const round = (n, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const average = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const percentile = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

export const DEFAULT_POLL_INTERVAL_MS = 2000;
export const CONCURRENCY = 10; // the node's default

/** The figures that need a key of their own. */
export const FIGURES = [
	'batch',
	'overhead',
	'checkTiming',
	'rateLimited',
	'longJobs',
	'concurrentRuns',
];

/** Starts the simulator (in its own process) and loads the package; `run` runs a workflow with a figure's key. */
export async function startBench() {
	const keys = FIGURES.map((figure) => `bench-key-${figure}`);
	const sim = await forkSimulator({ jobMs: 2000, keys });
	const pkg = await loadPackage(root);
	const credentialsFor = (figure) => ({
		pixazoApi: {
			subscriptionKey: keys[FIGURES.indexOf(figure)],
			submitBaseUrl: sim.submitBaseUrl,
			pollBaseUrl: sim.pollBaseUrl,
		},
	});
	const submit = (extra = {}) => ({
		operation: 'submit',
		prompt: uniquePrompt,
		imageUrl: sim.sampleImageUrl,
		maskUrl: sim.sampleMaskUrl,
		...extra,
	});
	/** Runs `input` through Manual Trigger → Inpaint with the figure's key; returns the run. */
	const run = (figure, parameters, input) =>
		runWorkflow({
			pkg,
			workflow: inpaintWorkflow(parameters),
			credentials: credentialsFor(figure),
			input,
		});
	/** Runs n items and fails unless all succeeded; returns the milliseconds taken. */
	const timedRun = async (figure, n, parameters, tag) => {
		const started = performance.now();
		const result = await run(figure, parameters, items(n, tag));
		const ms = performance.now() - started;
		const out = result.output('Inpaint') ?? [];
		const ok = out.filter((i) => i.json.status === 'succeeded').length;
		if (result.status !== 'success' || ok !== n)
			throw new Error(`${tag}: ${result.status}, ${ok}/${n} succeeded: ${result.error?.message}`);
		return ms;
	};
	const keyLabel = (figure) => `key${FIGURES.indexOf(figure) + 1}`;
	return { sim, pkg, submit, run, timedRun, credentialsFor, keyLabel, keys };
}

/** Answers to submit and poll with this key label since `before` (a stats() snapshot): accepted and 429. */
export function answersSince(before, after, label) {
	const count = (stats, status) => stats.answeredByKey[label]?.[status] ?? 0;
	const all = (stats) => Object.values(stats.answeredByKey[label] ?? {}).reduce((a, b) => a + b, 0);
	return {
		ok: count(after, '200') - count(before, '200'),
		refused: count(after, '429') - count(before, '429'),
		all: all(after) - all(before),
	};
}

export { inpaintWorkflow, items, runWorkflow, uniquePrompt };
