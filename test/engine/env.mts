// Where the engine tests run: the simulator on 127.0.0.1, the package loaded by n8n-core's package
// loader, a one-node workflow runner, the node's speed settings for tests and the parameters they
// send. What they check with is in checks.mts.
import { createServer } from 'node:net';

import { afterAll, beforeAll, beforeEach } from 'vitest';

import { startSimulator } from '../../simulator/server.mjs';
import { disposeHarness, loadPackage, runWorkflow } from '../harness/engine.mjs';
import {
	INPAINT_NODE_NAME,
	inpaintWorkflow,
	simulatorCredential,
} from '../harness/inpaint-workflow.mjs';

// test/compat/run.mjs loads a copy of the built package that resolves the other n8n line.
const ROOT = process.env.PIXAZO_PACKAGE_DIR ?? new URL('../..', import.meta.url).pathname;

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;
export type Pkg = Awaited<ReturnType<typeof loadPackage>>;
export type Run = Awaited<ReturnType<typeof runWorkflow>>;
export type Item = { json: Record<string, any>; binary?: Record<string, any>; pairedItem?: any };

export interface Env {
	sim: Simulator;
	pkg: Pkg;
	/** The credential as a user would fill it in, pointing at the simulator. */
	credentials: { subscriptionKey: string; submitBaseUrl: string; pollBaseUrl: string };
}

export interface RunOptions {
	/** Items fed into the Inpaint node (default: one empty item). */
	items?: Array<{ json: Record<string, unknown> }>;
	continueOnFail?: boolean;
	binaryMode?: 'default' | 'filesystem';
	cancelAfterMs?: number;
	/** Cancel the execution as soon as this returns true (polled), e.g. on what the simulator saw. */
	cancelWhen?: () => boolean;
	/** After a cancel, how long the harness waits for the engine to wind down. */
	settleTimeoutMs?: number;
	credentials?: Partial<Env['credentials']>;
	/** Node settings as the editor's Settings tab stores them, e.g. `{ retryOnFail: true }`. */
	nodeSettings?: Record<string, unknown>;
}

export interface InpaintRun {
	run: Run;
	/** The items the Inpaint node returned (empty when it threw). */
	items: Item[];
	/** The error the Inpaint node threw, if any (the real instance). */
	error: any;
}

/**
 * Starts one simulator and loads the package once for the test file; resets the simulator
 * before each test so counts and faults never leak between tests.
 */
let testCount = 0;

export function useEnv(simOptions: Parameters<typeof startSimulator>[0] = {}): Env {
	const env = {} as Env;
	beforeAll(async () => {
		env.sim = await startSimulator({ jobMs: 300, ...simOptions });
		env.pkg = await loadPackage(ROOT);
		env.credentials = simulatorCredential(env.sim);
	});
	beforeEach(() => {
		env.sim.reset();
		// What the node learns of an API stays in the process, per host and key: a key of its own
		// gives every test a process that has not met this API before (unless the file needs one key).
		if (simOptions.key === undefined) env.sim.useKey(`${env.sim.key}-test${++testCount}`);
		env.credentials = simulatorCredential(env.sim);
	});
	afterAll(async () => {
		await env.sim?.close();
		await disposeHarness();
	});
	return env;
}

/** Runs Manual Trigger → Inpaint through n8n's WorkflowExecute against the simulator. */
export async function runInpaint(
	env: Env,
	parameters: Record<string, unknown>,
	options: RunOptions = {},
): Promise<InpaintRun> {
	const run = await runWorkflow({
		pkg: env.pkg,
		workflow: inpaintWorkflow(parameters, {
			...(options.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
			...options.nodeSettings,
		}),
		credentials: { pixazoApi: { ...env.credentials, ...options.credentials } },
		input: options.items,
		binaryMode: options.binaryMode ?? 'default',
		cancelAfterMs: options.cancelAfterMs,
		cancelWhen: options.cancelWhen,
		settleTimeoutMs: options.settleTimeoutMs,
	});
	return {
		run,
		items: (run.output(INPAINT_NODE_NAME) ?? []) as Item[],
		error: run.nodeError(INPAINT_NODE_NAME),
	};
}

/** Poll and retry every 0.1 s: a test waits for the simulator's jobs, not for the node's defaults. */
export const fast = { pollInterval: 0.1, retryDelay: 0.1 };

/** `fast` with its own retry budget, so a test does not depend on the default Max Retries. */
export function fastRetries(maxRetries: number) {
	return { ...fast, maxRetries };
}

/**
 * No retries and a 1 s Job Timeout. Status checks are retried until the Job Timeout whatever Max
 * Retries says, so a short one ends a run whose checks keep failing with the API's error.
 */
export const failFast = { ...fast, maxRetries: 0, timeout: 1 };

/** The node's default poll interval (2 s) with a short first backoff: the pace of a long run. */
export const slowPoll = { pollInterval: 2, retryDelay: 0.2 };

/** Submit parameters with the sample image and mask served by the simulator. */
export function submitParams(
	env: Env,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return {
		operation: 'submit',
		prompt: 'Change to a lion',
		imageUrl: env.sim.sampleImageUrl,
		maskUrl: env.sim.sampleMaskUrl,
		...extra,
	};
}

/** `count` input items, each with its own prompt (identical bodies would count as duplicate submits). */
export function promptItems(
	count: number,
	extra: (n: number) => Record<string, unknown> = () => ({}),
) {
	return Array.from({ length: count }, (_, n) => ({
		json: { prompt: `Change to lion number ${n}`, ...extra(n) },
	}));
}

/** Submit parameters that take each item's own prompt, with fast polling unless `options` says otherwise. */
export function perItemParams(env: Env, options: Record<string, unknown> = {}) {
	return submitParams(env, { prompt: '={{ $json.prompt }}', options: { ...fast, ...options } });
}

/**
 * Calls the simulator's API directly, with the key, as the node would: to set up a job outside a
 * run, or to compare what the node output with what the API says.
 */
export async function callApi(
	env: Env,
	endpoint: 'submit' | 'poll',
	body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, any> }> {
	const url =
		endpoint === 'submit'
			? `${env.sim.submitBaseUrl}/getImage`
			: `${env.sim.pollBaseUrl}/getGenerationResults`;
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': env.sim.key },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Runs `count` items through Submit, each with its own prompt, with `fast` unless `options` says otherwise. */
export function runItems(
	env: Env,
	count: number,
	options: Record<string, unknown> = {},
	runOptions: RunOptions = {},
): Promise<InpaintRun> {
	return runInpaint(env, perItemParams(env, options), { items: promptItems(count), ...runOptions });
}

/** A port on 127.0.0.1 that nothing listens on (a connection to it is refused). */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
