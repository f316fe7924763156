// Shared set-up for the engine tests: the simulator on 127.0.0.1, the package loaded by
// n8n-core's package loader, and a one-node workflow runner.
import { createServer } from 'node:net';

import { afterAll, beforeAll, beforeEach } from 'vitest';

import { startSimulator } from '../../simulator/server.mjs';
import { disposeHarness, loadPackage, runWorkflow } from '../harness/engine.mjs';
import {
	INPAINT_NODE_NAME,
	INPAINT_NODE_TYPE,
	inpaintWorkflow,
	simulatorCredential,
} from '../harness/inpaint-workflow.mjs';

export { inpaintWorkflow };
export const NODE_TYPE = INPAINT_NODE_TYPE;
export const NODE_NAME = INPAINT_NODE_NAME;
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
	});
	return { run, items: (run.output(NODE_NAME) ?? []) as Item[], error: run.nodeError(NODE_NAME) };
}

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

/** Fast polling, for tests. */
export const fast = { pollInterval: 0.1, retryDelay: 0.1 };

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

/** The requests to the two API endpoints (not result downloads), oldest first. */
export function apiRequests(env: Env) {
	return env.sim.requests().filter((r: any) => r.endpoint === 'submit' || r.endpoint === 'poll');
}

/** The requests the simulator received for one endpoint, oldest first. */
export function requestsTo(env: Env, endpoint: 'submit' | 'poll' | 'results') {
	return env.sim.requests().filter((r: any) => r.endpoint === endpoint);
}

/** A port on 127.0.0.1 that nothing listens on (a connection to it is refused). */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
