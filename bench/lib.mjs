// What the benchmark figures share: the simulator in its own process, the package loaded by
// n8n-core, one key per figure (what the node learns of the API stays in the process, per key:
// a figure must not inherit another's pace), and small statistics.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
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

/** Runs `task(i)` for i = 0 … n−1, `width` at a time. */
export async function inPool(n, width, task) {
	let next = 0;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next < n) await task(next++);
		}),
	);
}

/** Runs a figure's script in a process of its own (with --expose-gc); its last JSON line, numbers rounded. */
export function figuresFromProcess(script, args) {
	const line = execFileSync(
		process.execPath,
		['--expose-gc', join(here, script), ...args.map(String)],
		{ cwd: root, maxBuffer: 2 ** 20 },
	).toString();
	const figures = JSON.parse(line.trim().split('\n').pop());
	return Object.fromEntries(
		Object.entries(figures).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]),
	);
}

const keyOf = (figure) => `bench-key-${figure}`;

/** Starts the simulator (in its own process) and loads the package; `run` runs a workflow with a figure's key. */
export async function startBench() {
	const sim = await forkSimulator({ jobMs: 2000, keys: FIGURES.map(keyOf) });
	const pkg = await loadPackage(root);
	const credentialsFor = (figure) => ({
		pixazoApi: simulatorCredential({ ...sim, key: keyOf(figure) }),
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
	return { sim, submit, run, timedRun, keyLabel };
}

/** Answers to submit and poll with this key label since `before` (a stats() snapshot): accepted and 429. */
export function answersSince(before, after, label) {
	const count = (stats, status) => stats.answeredByKey[label]?.[status] ?? 0;
	return {
		ok: count(after, '200') - count(before, '200'),
		refused: count(after, '429') - count(before, '429'),
	};
}
