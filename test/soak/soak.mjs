// Soak run: many items through the real node (n8n-core's WorkflowExecute, via the test harness)
// against the local simulator with random faults, then checks the invariants users rely on:
//
//   - items in = items out, each paired with its input item;
//   - every item either succeeded (with an image URL) or carries an error, and an error item
//     carries the jobSetId wherever the API gave one (a submit answered 200 with a job);
//   - no job was created twice (the simulator's duplicateSubmits, and at most one job per item);
//   - the subscription key appears in no output item, no captured log line and no request to a
//     host or path other than the two API endpoints.
//
// Library:  import { soak } from './test/soak/soak.mjs'; const figures = await soak({ items: 150 });
// CLI:      node test/soak/soak.mjs [--items 1000] [--fault-rate 0.1] [--seed 1] [--job-ms 1000]
//             [--poll-interval 0.5] [--concurrency 10] [--max-retries 4] [--retry-delay 0.2]
//             [--delay-ms 1500] [--fail-every 50] [--faults status,drop,dropAfterAccept,delay,malformed]
//             [--download] [--json]
// Needs the built package (npm run build). Exits 1 when an invariant fails.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { startSimulator } from '../../simulator/server.mjs';
import { disposeHarness, loadPackage, runWorkflow } from '../harness/engine.mjs';
import {
	INPAINT_NODE_NAME as NODE_NAME,
	inpaintWorkflow,
	simulatorCredential,
} from '../harness/inpaint-workflow.mjs';

// test/compat/run.mjs points this at a copy of the built package that resolves another n8n line.
const ROOT = process.env.PIXAZO_PACKAGE_DIR ?? new URL('../..', import.meta.url).pathname;

/** 429 + Retry-After (submit and poll), 5xx on polls, dropped connections, slow and malformed answers. */
export const DEFAULT_FAULT_TYPES = Object.freeze([
	'status',
	'drop',
	'dropAfterAccept',
	'delay',
	'malformed',
]);

/**
 * @typedef {object} SoakOptions
 * @property {number} [items] input items (default 1000)
 * @property {number} [faultRate] probability that any API request gets a random fault (default 0.1)
 * @property {number} [seed] seed of the simulator's fault generator (default 1)
 * @property {number} [jobMs] how long each job runs (default 1000)
 * @property {number} [pollInterval] seconds between status checks (default 0.5)
 * @property {number} [concurrency] Options > Concurrency (default 10)
 * @property {number} [maxRetries] Options > Max Retries (default 4)
 * @property {number} [retryDelay] Options > Retry Delay, seconds (default 0.2)
 * @property {number} [requestTimeout] Options > Request Timeout, seconds (default 10)
 * @property {number} [timeout] Options > Job Timeout, seconds (default 600)
 * @property {number} [delayMs] how long a random "slow answer" fault waits (default 1500)
 * @property {readonly (string | object)[]} [faultTypes] the simulator's random fault types
 * @property {boolean} [downloadImages] also download every result image (default false)
 * @property {number} [failEvery] every n-th item's job is ended "failed" by the API (default 50; 0 = none),
 *   so that error items carrying a jobSetId the API gave are part of every run
 * @property {any} [pkg] a package already loaded with loadPackage (default: load the built one)
 */

/**
 * @typedef {object} SoakFigures
 * @property {Record<string, unknown>} settings
 * @property {number} wallMs
 * @property {string} runStatus
 * @property {number} itemsIn
 * @property {number} itemsOut
 * @property {number} succeeded
 * @property {number} errors
 * @property {number} errorsWithJobSetId
 * @property {number} apiGaveJobSetId error items whose submit the API answered with a job
 * @property {number} unaccounted items neither succeeded nor carrying an error
 * @property {number} misPaired items whose pairedItem is not their input index
 * @property {number} missingJobSetId error items without the jobSetId the API gave
 * @property {number} wrongJobSetId items whose jobSetId is not the one the simulator made for them
 * @property {number} jobsCreated
 * @property {number} duplicateSubmits
 * @property {number} itemsWithSeveralJobs
 * @property {number} keyLeaks outputs, log lines and non-API requests that contain the key
 * @property {string[]} keyLeakPlaces where the key was found (first few)
 * @property {Record<string, number>} requests the simulator's request counts
 * @property {Record<string, number>} answered
 * @property {Record<string, number>} faultsInjected
 * @property {Record<string, number>} errorKinds error messages (ids masked) and their counts
 * @property {string[]} violations every invariant that failed, in words
 * @property {boolean} ok no violation
 */

/** Masks ids and numbers so that error messages group by kind. */
function errorKind(message) {
	return String(message)
		.replace(/jobset_[0-9a-f]+/g, 'jobset_…')
		.replace(/\d+(\.\d+)?/g, 'N')
		.slice(0, 110);
}

/**
 * Runs `items` items through Manual Trigger → Inpaint (Continue On Fail on) against a fresh
 * simulator with random faults, and returns the figures and the invariants that failed.
 * @param {SoakOptions} [options]
 * @returns {Promise<SoakFigures>}
 */
export async function soak(options = {}) {
	const {
		items = 1000,
		faultRate = 0.1,
		seed = 1,
		jobMs = 1000,
		pollInterval = 0.5,
		concurrency = 10,
		maxRetries = 4,
		retryDelay = 0.2,
		requestTimeout = 10,
		timeout = 600,
		delayMs = 1500,
		faultTypes = DEFAULT_FAULT_TYPES,
		downloadImages = false,
		failEvery = 50,
		rateLimit = 0,
	} = options;
	const settings = {
		items,
		faultRate,
		seed,
		jobMs,
		pollInterval,
		concurrency,
		maxRetries,
		retryDelay,
		requestTimeout,
		delayMs,
		faultTypes: faultTypes.map((t) => (typeof t === 'string' ? t : JSON.stringify(t))).join(','),
		downloadImages,
		failEvery,
		rateLimit,
	};

	const pkg = options.pkg ?? (await loadPackage(ROOT));
	const sim = await startSimulator({
		jobMs,
		logLimit: items * 40 + 1000,
		randomFaults: faultRate > 0 ? { rate: faultRate, types: [...faultTypes], seed, delayMs } : null,
		// A token bucket of `rateLimit` requests a second (a second's burst), shared by both endpoints.
		rateLimit:
			rateLimit > 0
				? { type: 'tokenBucket', ratePerSec: rateLimit, burst: Math.max(1, Math.round(rateLimit)) }
				: null,
	});
	try {
		const prompt = (i) =>
			`Soak ${seed} item ${i}: change to a lion${failEvery > 0 && i % failEvery === failEvery - 1 ? ' [sim:outcome=failed]' : ''}`;
		const input = Array.from({ length: items }, (_, i) => ({ json: { n: i, prompt: prompt(i) } }));
		const workflow = inpaintWorkflow(
			{
				operation: 'submit',
				prompt: '={{ $json.prompt }}',
				imageUrl: sim.sampleImageUrl,
				maskUrl: sim.sampleMaskUrl,
				options: {
					pollInterval,
					concurrency,
					maxRetries,
					retryDelay,
					requestTimeout,
					timeout,
					...(downloadImages ? { downloadImages: true } : {}),
				},
			},
			{ onError: 'continueRegularOutput' },
		);

		const started = performance.now();
		const run = await runWorkflow({
			pkg,
			workflow,
			input,
			credentials: {
				pixazoApi: simulatorCredential(sim),
			},
		});
		const wallMs = Math.round(performance.now() - started);
		const out = run.output(NODE_NAME);
		const stats = sim.stats();
		const log = sim.requests();

		// What the simulator did for each item, found by the item's unique prompt.
		/** @type {Map<string, string[]>} */
		const jobsByPrompt = new Map();
		for (const job of stats.jobs)
			jobsByPrompt.set(job.prompt, [...(jobsByPrompt.get(job.prompt) ?? []), job.jobSetId]);
		/** Prompts whose submit the API answered normally (200 with the job, delivered to the node). */
		const delivered = new Set(
			log
				.filter(
					(r) =>
						r.endpoint === 'submit' &&
						r.status === 200 &&
						(r.fault === null || r.fault === 'delay'),
				)
				.map((r) => /** @type {any} */ (r.body)?.prompt),
		);

		let succeeded = 0;
		let errors = 0;
		let errorsWithJobSetId = 0;
		let apiGaveJobSetId = 0;
		let unaccounted = 0;
		let misPaired = 0;
		let missingJobSetId = 0;
		let wrongJobSetId = 0;
		/** @type {Record<string, number>} */
		const errorKinds = {};
		/** @type {string[]} */
		const examples = [];
		out.forEach((item, index) => {
			const json = /** @type {Record<string, any>} */ (item.json ?? {});
			const paired = /** @type {any} */ (item.pairedItem);
			if (!paired || (Array.isArray(paired) ? paired[0]?.item : paired.item) !== index) misPaired++;
			const p = prompt(index);
			const jobs = jobsByPrompt.get(p) ?? [];
			const isError = typeof json.error === 'string' && json.error !== '';
			const isSuccess =
				!isError &&
				json.status === 'succeeded' &&
				typeof json.imageUrl === 'string' &&
				json.imageUrl !== '';
			if (isSuccess) succeeded++;
			else if (isError) {
				errors++;
				errorKinds[errorKind(json.error)] = (errorKinds[errorKind(json.error)] ?? 0) + 1;
				if (json.jobSetId) errorsWithJobSetId++;
				if (delivered.has(p)) {
					apiGaveJobSetId++;
					if (!json.jobSetId) {
						missingJobSetId++;
						if (examples.length < 5)
							examples.push(
								`item ${index}: "${json.error}" has no jobSetId, the API gave ${jobs[0]}`,
							);
					}
				}
			} else {
				unaccounted++;
				if (examples.length < 5)
					examples.push(
						`item ${index}: neither succeeded nor an error: ${JSON.stringify(json).slice(0, 200)}`,
					);
			}
			if (json.jobSetId && !jobs.includes(json.jobSetId)) {
				wrongJobSetId++;
				if (examples.length < 5)
					examples.push(
						`item ${index}: jobSetId ${json.jobSetId} is not a job of its prompt (${jobs.join(', ') || 'none'})`,
					);
			}
		});
		const itemsWithSeveralJobs = [...jobsByPrompt.values()].filter((ids) => ids.length > 1).length;

		// The key: in no output, no log line, no request other than the two API endpoints.
		/** @type {string[]} */
		const keyLeakPlaces = [];
		const key = sim.key;
		out.forEach((item, index) => {
			if (JSON.stringify(item).includes(key)) keyLeakPlaces.push(`output item ${index}`);
		});
		run.logs.forEach((line, index) => {
			if (line.includes(key)) keyLeakPlaces.push(`log line ${index}: ${line.slice(0, 80)}`);
		});
		if (
			run.error &&
			JSON.stringify({
				m: run.error.message,
				d: run.error.description,
				s: run.error.stack,
			}).includes(key)
		) {
			keyLeakPlaces.push('run error');
		}
		for (const r of log) {
			if (
				r.endpoint !== 'submit' &&
				r.endpoint !== 'poll' &&
				JSON.stringify(r.headers).includes(key)
			) {
				keyLeakPlaces.push(`request ${r.method} ${r.path}`);
			}
		}

		/** @type {string[]} */
		const violations = [];
		if (out.length !== items) violations.push(`items in ${items} ≠ items out ${out.length}`);
		if (unaccounted > 0)
			violations.push(`${unaccounted} item(s) neither succeeded nor carry an error`);
		if (misPaired > 0) violations.push(`${misPaired} item(s) paired with the wrong input item`);
		if (missingJobSetId > 0)
			violations.push(`${missingJobSetId} error item(s) lack the jobSetId the API gave`);
		if (wrongJobSetId > 0)
			violations.push(`${wrongJobSetId} item(s) carry a jobSetId that is not their job`);
		if (stats.duplicateSubmits > 0)
			violations.push(`${stats.duplicateSubmits} duplicate submit(s)`);
		if (itemsWithSeveralJobs > 0)
			violations.push(`${itemsWithSeveralJobs} item(s) created more than one job`);
		if (keyLeakPlaces.length > 0)
			violations.push(
				`the key leaked in ${keyLeakPlaces.length} place(s): ${keyLeakPlaces.slice(0, 3).join('; ')}`,
			);
		if (run.status !== 'success')
			violations.push(`the run ended "${run.status}"${run.error ? `: ${run.error.message}` : ''}`);
		if (violations.length > 0) violations.push(...examples.map((e) => `e.g. ${e}`));

		return {
			settings,
			wallMs,
			runStatus: run.status,
			itemsIn: items,
			itemsOut: out.length,
			succeeded,
			errors,
			errorsWithJobSetId,
			apiGaveJobSetId,
			unaccounted,
			misPaired,
			missingJobSetId,
			wrongJobSetId,
			jobsCreated: stats.jobsCreated,
			duplicateSubmits: stats.duplicateSubmits,
			itemsWithSeveralJobs,
			keyLeaks: keyLeakPlaces.length,
			keyLeakPlaces: keyLeakPlaces.slice(0, 10),
			requests: stats.requests,
			answered: stats.answered,
			faultsInjected: stats.faultsInjected,
			errorKinds,
			violations,
			ok: violations.length === 0,
		};
	} finally {
		await sim.close();
	}
}

/** A readable report of the figures. */
export function formatFigures(f) {
	const rows = [
		['items in / out', `${f.itemsIn} / ${f.itemsOut}`],
		['succeeded', f.succeeded],
		['errors', f.errors],
		['  with jobSetId', f.errorsWithJobSetId],
		['  API gave a jobSetId', f.apiGaveJobSetId],
		['  lacking the given jobSetId', f.missingJobSetId],
		['neither ok nor error', f.unaccounted],
		['wrong pairedItem', f.misPaired],
		['wrong jobSetId', f.wrongJobSetId],
		['jobs created', f.jobsCreated],
		['duplicate submits', f.duplicateSubmits],
		['items with > 1 job', f.itemsWithSeveralJobs],
		['key leaks', f.keyLeaks],
		[
			'requests submit / poll',
			`${f.requests.submit} / ${f.requests.poll}${f.requests.results ? ` (+${f.requests.results} downloads)` : ''}`,
		],
		[
			'answered',
			Object.entries(f.answered)
				.map(([k, v]) => `${k}:${v}`)
				.join(' '),
		],
		[
			'faults injected',
			Object.entries(f.faultsInjected)
				.filter(([, v]) => v > 0)
				.map(([k, v]) => `${k}:${v}`)
				.join(' '),
		],
		['wall time', `${(f.wallMs / 1000).toFixed(1)} s`],
		['run status', f.runStatus],
	];
	const width = Math.max(...rows.map(([k]) => String(k).length));
	const lines = [
		`Soak: ${Object.entries(f.settings)
			.map(([k, v]) => `${k}=${v}`)
			.join(' ')}`,
		'',
		...rows.map(([k, v]) => `  ${String(k).padEnd(width)}  ${v}`),
	];
	const kinds = Object.entries(f.errorKinds).sort((a, b) => b[1] - a[1]);
	if (kinds.length > 0) {
		lines.push('', '  error kinds:');
		for (const [kind, n] of kinds) lines.push(`    ${String(n).padStart(5)}  ${kind}`);
	}
	lines.push(
		'',
		f.ok
			? 'INVARIANTS HOLD'
			: `INVARIANTS FAILED:\n${f.violations.map((v) => `  - ${v}`).join('\n')}`,
	);
	return lines.join('\n');
}

/** @param {string[]} argv */
function parseArgs(argv) {
	/** @type {Record<string, any>} */
	const options = {};
	let json = false;
	const numbers = {
		'--items': 'items',
		'--fault-rate': 'faultRate',
		'--seed': 'seed',
		'--job-ms': 'jobMs',
		'--poll-interval': 'pollInterval',
		'--concurrency': 'concurrency',
		'--max-retries': 'maxRetries',
		'--retry-delay': 'retryDelay',
		'--request-timeout': 'requestTimeout',
		'--delay-ms': 'delayMs',
		'--fail-every': 'failEvery',
		'--rate-limit': 'rateLimit',
	};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		const value = () => inline ?? argv[++i];
		if (flag in numbers) {
			const n = Number(value());
			if (!Number.isFinite(n)) throw new Error(`${flag} needs a number`);
			options[numbers[/** @type {keyof typeof numbers} */ (flag)]] = n;
		} else if (flag === '--faults') options.faultTypes = String(value()).split(',').filter(Boolean);
		else if (flag === '--download') options.downloadImages = true;
		else if (flag === '--json') json = true;
		else if (flag === '--help' || flag === '-h') {
			process.stdout.write(
				'node test/soak/soak.mjs [--items 1000] [--fault-rate 0.1] [--seed 1] [--job-ms 1000] [--poll-interval 0.5]\n' +
					'  [--concurrency 10] [--max-retries 4] [--retry-delay 0.2] [--request-timeout 10] [--delay-ms 1500] [--fail-every 50]\n' +
					'  [--rate-limit N (requests a second, token bucket; 0 = none)]\n' +
					'  [--faults status,drop,dropAfterAccept,delay,malformed] [--download] [--json]\n',
			);
			process.exit(0);
		} else throw new Error(`unknown argument ${argv[i]} (try --help)`);
	}
	return { options, json };
}

async function main() {
	const { options, json } = parseArgs(process.argv.slice(2));
	process.stderr.write(`soak: running ${options.items ?? 1000} items through the simulator…\n`);
	try {
		const figures = await soak(options);
		process.stdout.write(`${json ? JSON.stringify(figures, null, 2) : formatFigures(figures)}\n`);
		process.exitCode = figures.ok ? 0 : 1;
	} finally {
		await disposeHarness();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch((error) => {
		process.stderr.write(`soak: ${error?.stack ?? error}\n`);
		process.exitCode = 2;
	});
}
