// Process-wide n8n services the harness sets up once, as n8n does at startup:
// binary data (BinaryDataService in the DI container) and the registry of runs in flight.

import { core, di } from './n8n.mjs';
import { shared } from './shared.mjs';
import { makeOwnedTempDir, removeOwnedTempDirs } from './temp-dirs.mjs';

/** @typedef {'default' | 'filesystem'} BinaryMode */

/**
 * Per-run state the shared, process-wide pieces (binary data service, stand-in nodes) reach
 * through the run's execution id.
 * @typedef {{ executionId: string, binaryMode: BinaryMode, received: Map<string, any[]> }} RunState
 */

/** @type {Map<string, RunState>} */
export const activeRuns = (shared.activeRuns ??= new Map());

/** A fresh execution id: numeric strings, as n8n's database hands out. */
export function nextExecutionId() {
	shared.executionCounter = (shared.executionCounter ?? 0) + 1;
	return String(shared.executionCounter);
}

/**
 * Initialises n8n-core's BinaryDataService once per process, as n8n's start-up does
 * (BinaryDataConfig in the DI container, then `BinaryDataService.init()`), with filesystem
 * storage in a temp folder (or N8N_HARNESS_BINARY_DATA_PATH).
 *
 * n8n keeps ONE binary data mode per process. The harness lets each run pick its own mode, so
 * concurrent runs can differ: the container's BinaryDataService is replaced by a dispatcher whose
 * prototype is the real, initialised service; writes (`store`, `copyBinaryFile`,
 * `duplicateBinaryData`) go to a view of the service in the run's mode (picked through the
 * location's execution id), everything else (reads by id, metadata, paths, signed URLs) is the
 * real service's own code.
 */
export async function ensureRuntime() {
	shared.runtimePromise ??= (async () => {
		const { Container } = di;
		const { BinaryDataService, BinaryDataConfig } = /** @type {any} */ (core);

		const storagePath =
			process.env.N8N_HARNESS_BINARY_DATA_PATH ?? makeOwnedTempDir('n8n-harness-binary-');

		if (BinaryDataConfig) {
			// n8n >= 1.9x: configuration lives in the DI container (env N8N_DEFAULT_BINARY_DATA_MODE...)
			const config = Container.get(BinaryDataConfig);
			config.mode = 'filesystem';
			config.localStoragePath = storagePath;
			if (Array.isArray(config.availableModes) && !config.availableModes.includes('filesystem')) {
				config.availableModes.push('filesystem');
			}
		}
		// The instance n8n-core's DI made, before the harness's dispatcher replaced it.
		shared.realBinaryDataService ??= Container.get(BinaryDataService);
		const real = shared.realBinaryDataService;
		// n8n 2.x: init() reads BinaryDataConfig. Older 1.x: init(config) takes it as argument.
		await real.init({
			mode: 'filesystem',
			availableModes: ['filesystem'],
			localStoragePath: storagePath,
		});

		const fsView = real;
		const memoryView = Object.create(real, {
			mode: { value: 'default', writable: true, enumerable: true },
		});

		/** @param {unknown[]} args */
		const viewFor = (args) => {
			const [first, second] = args;
			let executionId;
			if (first && typeof first === 'object' && 'executionId' in first) {
				executionId = /** @type {any} */ (first).executionId;
			} else if (typeof second === 'string') {
				// n8n 1.x signatures: (workflowId, executionId, ...)
				executionId = second;
			}
			const run = executionId === undefined ? undefined : activeRuns.get(String(executionId));
			return run?.binaryMode === 'filesystem' ? fsView : memoryView;
		};

		const dispatcher = Object.create(real);
		for (const method of ['store', 'copyBinaryFile', 'duplicateBinaryData']) {
			if (typeof real[method] !== 'function') continue;
			Object.defineProperty(dispatcher, method, {
				value: function (/** @type {unknown[]} */ ...args) {
					return real[method].apply(viewFor(args), args);
				},
			});
		}
		Container.set(BinaryDataService, dispatcher);

		return { binaryDataService: dispatcher, storagePath };
	})();
	return await shared.runtimePromise;
}

/**
 * The bytes of a binary property, whatever mode it was stored in (n8n-core's own
 * BinaryDataService.getAsBuffer: by id for stored modes, base64 `data` for the default mode).
 * @param {any} binaryData an IBinaryData object
 * @returns {Promise<Buffer>}
 */
export async function readBinaryData(binaryData) {
	const { binaryDataService } = await ensureRuntime();
	return await binaryDataService.getAsBuffer(binaryData);
}

/**
 * Removes the temp folders the harness made (binary data storage, N8N_USER_FOLDER when the harness
 * set it). Call it when a test file or script is done (vitest's forked workers do not always run
 * 'exit' handlers). A later run sets binary data storage up again in a new folder.
 */
export async function disposeHarness() {
	const pending = shared.runtimePromise;
	shared.runtimePromise = undefined;
	if (pending) await pending.catch(() => {});
	removeOwnedTempDirs();
}
