// Runs a community node package through n8n's own engine, as n8n does:
// n8n-core's WorkflowExecute on an n8n-workflow Workflow, with ExecutionLifecycleHooks, a real
// additionalData object, the harness's ICredentialsHelper and n8n-core's BinaryDataService.
//
//   const pkg = await loadPackage('.');
//   const run = await runWorkflow({ pkg, workflow, credentials: { pixazoApi: {...} } });
//   run.status; run.output('Inpaint'); await run.readBinary(run.output('Inpaint')[0], 'data');

import { performance } from 'node:perf_hooks';

import { HarnessCredentialsHelper } from './credentials-helper.mjs';
import { instanceUrls } from './shared.mjs';
import { core, di, logCapture, workflowLib } from './n8n.mjs';
import { activeRuns, ensureRuntime, nextExecutionId, readBinaryData } from './runtime.mjs';

export { loadPackage } from './package-loader.mjs';
export { readBinaryData, disposeHarness } from './runtime.mjs';
export { testCredential } from './credentials-tester.mjs';
export { n8nCoreVersion, n8nWorkflowVersion, n8nWorkflowPath } from './n8n.mjs';

const { WorkflowExecute, ExecutionLifecycleHooks } = /** @type {any} */ (core);
const { Workflow, createRunExecutionData } = /** @type {any} */ (workflowLib);

/**
 * @typedef {import('./package-loader.mjs').LoadedPackage} LoadedPackage
 * @typedef {import('./runtime.mjs').BinaryMode} BinaryMode
 * @typedef {{ json: Record<string, unknown>, binary?: Record<string, any>, pairedItem?: unknown, error?: unknown }} Item
 */

/**
 * @typedef {object} RunWorkflowOptions
 * @property {LoadedPackage} pkg result of loadPackage
 * @property {{ nodes: any[], connections: Record<string, any>, settings?: Record<string, any>, id?: string, name?: string, pinData?: Record<string, any[]>, staticData?: any }} workflow
 *   an n8n workflow as exported from n8n (examples/*.json); it is not modified
 * @property {Record<string, Record<string, unknown>>} [credentials] decrypted credential data by credential type name
 * @property {Array<Item | Record<string, unknown>>} [input] items fed to the start node instead of one empty item
 *   (plain objects are wrapped as `{ json }`)
 * @property {string} [startNode] name of the node to start at (default: the workflow's trigger / first node)
 * @property {BinaryMode} [binaryMode] 'default' (in memory, base64) | 'filesystem' (n8n's filesystem mode, temp folder)
 * @property {number} [cancelAfterMs] cancel the execution after this many ms, as n8n's "stop execution" does
 * @property {AbortSignal} [signal] cancel the execution (the same way) when this signal aborts
 * @property {() => boolean} [cancelWhen] cancel the execution (the same way) as soon as this returns
 *   true, e.g. when the simulator's log shows the request the test waits for; polled every
 *   `cancelPollMs` while the run lasts (a throw counts as false)
 * @property {number} [cancelPollMs] default 5
 * @property {string} [mode] execution mode, default 'manual'
 * @property {boolean} [usePinData] use the workflow's pinData (n8n does in manual runs; off by default,
 *   as in n8n's NodeTestHarness where pinData holds expected output)
 * @property {boolean} [autoAttachCredentials] default true: a node whose type declares a credential type
 *   given in `credentials` but that has no `credentials` entry for it gets one (as the editor does when
 *   only one credential of the type exists)
 * @property {number} [settleTimeoutMs] after a cancel, how long to wait for the engine to wind down
 *   (the node to return) before resolving anyway; default 10000
 */

/**
 * @typedef {object} RunResult
 * @property {string} executionId
 * @property {string} status 'success' | 'error' | 'canceled' | 'waiting' | ... as n8n reports it
 * @property {boolean} finished
 * @property {any} error workflow-level error if any (the real error object the node threw when known,
 *   else what n8n stored: a plain copy)
 * @property {Record<string, any[]>} runData IRun data.resultData.runData
 * @property {any} run the full IRun n8n's workflowExecuteAfter hook received
 * @property {(nodeName: string, outputIndex?: number) => Item[]} output the items the node returned in its last run
 * @property {(nodeName: string) => any} nodeError the error object the node threw (its last one), if any
 * @property {(nodeName: string) => any[]} received what a stand-in node received, one entry per call
 * @property {string[]} executionOrder node names in the order they started
 * @property {string[]} logs every log line n8n's Logger / LoggerProxy received during the run
 * @property {import('./log-capture.mjs').LogEntry[]} logEntries the same, structured
 * @property {(item: Item | any, key?: string) => Promise<Buffer>} readBinary bytes of a binary property
 * @property {Array<{ type: string, data: Record<string, unknown> }>} credentialUpdates credential data n8n asked to save
 * @property {number} durationMs from start until n8n reported the run done (for a cancel: until canceled)
 * @property {boolean} engineSettled whether the engine's promise settled (after a cancel: the node returned)
 * @property {number | undefined} engineSettledMs when it did
 * @property {number | undefined} cancelledAt Date.now() when the harness cancelled the run (cancelAfterMs,
 *   signal or cancelWhen), undefined if it did not
 */

/** @template T @returns {{ promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void }} */
function deferred() {
	/** @type {any} */ let resolve;
	/** @type {any} */ let reject;
	const promise = new Promise((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** @param {unknown} item @returns {Item} */
function toItem(item) {
	if (item && typeof item === 'object' && 'json' in item)
		return /** @type {Item} */ (structuredClone(item));
	return { json: /** @type {Record<string, unknown>} */ (structuredClone(item ?? {})) };
}

/**
 * Wraps node types for one run so the error a node throws is kept as the real object (n8n
 * stores only a plain copy `{ ...error, message, stack }` in the run data).
 * @param {any} baseNodeTypes
 * @param {Map<string, unknown[]>} thrown
 */
function nodeTypesForRun(baseNodeTypes, thrown) {
	const wrapped = new WeakMap();
	/** @param {any} nodeType */
	const wrap = (nodeType) => {
		if (!nodeType || typeof nodeType.execute !== 'function') return nodeType;
		let w = wrapped.get(nodeType);
		if (w) return w;
		const original = nodeType.execute;
		w = Object.create(nodeType, {
			execute: {
				value: async function (/** @type {unknown[]} */ ...args) {
					// Plain node objects run as execute.call(context); n8n 2.x node classes as
					// instance.execute(context).
					const context = typeof this?.getNode === 'function' ? this : args[0];
					const self = this === w ? nodeType : this;
					try {
						return await original.apply(self, args);
					} catch (error) {
						const name = /** @type {any} */ (context)?.getNode?.().name ?? '?';
						const list = thrown.get(name) ?? [];
						list.push(error);
						thrown.set(name, list);
						throw error;
					}
				},
			},
		});
		wrapped.set(nodeType, w);
		return w;
	};
	return {
		getByName: (/** @type {string} */ t) => baseNodeTypes.getByName(t),
		getByNameAndVersion: (/** @type {string} */ t, /** @type {number | undefined} */ v) =>
			wrap(baseNodeTypes.getByNameAndVersion(t, v)),
		getKnownTypes: () => baseNodeTypes.getKnownTypes(),
	};
}

/**
 * The start node: the named one, else n8n's choice (trigger / start node types), else the first
 * node without incoming main connections.
 * @param {any} workflow
 * @param {string | undefined} startNode
 */
function pickStartNode(workflow, startNode) {
	if (startNode) {
		const node = workflow.getNode(startNode);
		if (!node) throw new Error(`runWorkflow: the workflow has no node named "${startNode}"`);
		return node;
	}
	const chosen = workflow.getStartNode();
	if (chosen) return chosen;
	const withInputs = new Set(Object.keys(workflow.connectionsByDestinationNode));
	// The first enabled node nothing leads into; sticky notes are not nodes that run.
	const first = Object.values(workflow.nodes).find(
		(/** @type {any} */ n) =>
			!n.disabled && !withInputs.has(n.name) && n.type !== 'n8n-nodes-base.stickyNote',
	);
	if (!first) throw new Error('runWorkflow: could not find a node to start the workflow from');
	return first;
}

/**
 * Runs an n8n workflow through n8n-core's WorkflowExecute.
 * @param {RunWorkflowOptions} options
 * @returns {Promise<RunResult>}
 */
export async function runWorkflow(options) {
	const {
		pkg,
		workflow: workflowJson,
		credentials = {},
		input,
		startNode,
		binaryMode = 'default',
		cancelAfterMs,
		signal,
		cancelWhen,
		cancelPollMs = 5,
		mode = 'manual',
		usePinData = false,
		autoAttachCredentials = true,
		settleTimeoutMs = 10_000,
	} = options;
	if (!pkg?.nodeTypes)
		throw new TypeError('runWorkflow: `pkg` must be the result of loadPackage()');
	if (!workflowJson || !Array.isArray(workflowJson.nodes)) {
		throw new TypeError('runWorkflow: `workflow` must be an n8n workflow object with `nodes`');
	}
	if (binaryMode !== 'default' && binaryMode !== 'filesystem') {
		throw new TypeError(
			`runWorkflow: binaryMode must be 'default' or 'filesystem', not ${binaryMode}`,
		);
	}

	await ensureRuntime();
	logCapture.reinstall();

	const executionId = nextExecutionId();
	const runId = `run-${executionId}`;
	/** @type {import('./runtime.mjs').RunState} */
	const runState = { executionId, binaryMode, received: new Map() };
	/** @type {Map<string, unknown[]>} */
	const thrown = new Map();
	const credentialsHelper = new HarnessCredentialsHelper(pkg.credentialTypes, credentials);
	const collected = logCapture.collect(runId);

	// Never touch the caller's object: n8n mutates nodes (default parameters) and run data.
	const workflowData = structuredClone(workflowJson);
	if (autoAttachCredentials) {
		for (const node of workflowData.nodes) {
			let description;
			try {
				description = pkg.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).description;
			} catch {
				continue; // unknown type: the Workflow below reports it as n8n would
			}
			for (const { name } of description.credentials ?? []) {
				if (credentials[name] === undefined || node.credentials?.[name]) continue;
				node.credentials = {
					...node.credentials,
					[name]: { id: `harness-${name}`, name: `${name} (harness)` },
				};
			}
		}
	}

	const nodeTypes = nodeTypesForRun(pkg.nodeTypes, thrown);
	const workflowId = String(workflowData.id ?? `harness-workflow-${executionId}`);

	/** @type {string[]} */
	const executionOrder = [];
	const after = /** @type {ReturnType<typeof deferred<any>>} */ (deferred());
	let afterFired = false;
	let durationMs = 0;
	let engineSettled = false;
	/** @type {number | undefined} */
	let engineSettledMs;
	/** @type {any} */
	let execution;
	/** @type {ReturnType<typeof setTimeout> | undefined} */
	let cancelTimer;
	/** @type {ReturnType<typeof setInterval> | undefined} */
	let cancelPoller;
	/** @type {number | undefined} */
	let cancelledAt;
	/** @type {(() => void) | undefined} */
	let onAbort;
	const started = performance.now();

	activeRuns.set(executionId, runState);
	try {
		/** @type {{ ok: boolean, value?: any, error?: unknown }} */
		const engineOutcome = await logCapture.runWith(runId, async () => {
			let workflow;
			try {
				workflow = new Workflow({
					id: workflowId,
					name: workflowData.name ?? 'Harness workflow',
					nodes: workflowData.nodes,
					connections: workflowData.connections ?? {},
					active: false,
					nodeTypes,
					staticData: workflowData.staticData,
					settings: workflowData.settings ?? {},
					pinData: usePinData ? workflowData.pinData : undefined,
				});
			} catch (error) {
				if (/** @type {any} */ (error)?.constructor?.name === 'UnrecognizedNodeTypeError') {
					throw new Error(
						`${/** @type {Error} */ (error).message}. The harness loads only ${pkg.packageName}: ` +
							'list other n8n-nodes-base types in loadPackage(dir, { stubTypes: [...] }) to stand in for them.',
						{ cause: error },
					);
				}
				throw error;
			}

			const hooks = new ExecutionLifecycleHooks(mode, executionId, {
				id: workflowId,
				name: workflow.name,
				nodes: workflowData.nodes,
				connections: workflowData.connections ?? {},
				settings: workflowData.settings ?? {},
				active: false,
				isArchived: false,
				createdAt: new Date(),
				updatedAt: new Date(),
			});
			hooks.addHandler('nodeExecuteBefore', (/** @type {string} */ nodeName) => {
				executionOrder.push(nodeName);
			});
			hooks.addHandler('workflowExecuteAfter', (/** @type {any} */ fullRunData) => {
				if (afterFired) return;
				afterFired = true;
				durationMs = performance.now() - started;
				after.resolve(fullRunData);
			});

			const additionalData = createAdditionalData({
				executionId,
				workflowId,
				hooks,
				credentialsHelper,
			});

			const start = pickStartNode(workflow, startNode);
			const startItems = input === undefined ? [{ json: {} }] : input.map(toItem);
			/** @type {Record<string, any[]> | undefined} */
			let pinData;
			if (usePinData && workflowData.pinData) {
				pinData = Object.fromEntries(
					Object.entries(workflowData.pinData).map(([k, v]) => [
						k,
						/** @type {any[]} */ (v).map(toItem),
					]),
				);
			}
			const stack = [{ node: start, data: { main: [startItems] }, source: null }];
			const runExecutionData =
				typeof createRunExecutionData === 'function'
					? createRunExecutionData({
							executionData: { nodeExecutionStack: stack },
							resultData: { runData: {}, pinData },
						})
					: {
							startData: {},
							resultData: { runData: {}, pinData },
							executionData: {
								contextData: {},
								metadata: {},
								nodeExecutionStack: stack,
								waitingExecution: {},
								waitingExecutionSource: {},
							},
						};

			const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
			try {
				execution = workflowExecute.processRunExecutionData(workflow);
			} catch (error) {
				// e.g. WorkflowHasIssuesError: n8n refuses to start the run
				return { ok: false, error };
			}

			const cancel = () => {
				if (cancelledAt !== undefined) return;
				cancelledAt = Date.now();
				clearInterval(cancelPoller);
				execution?.cancel?.();
			};
			if (cancelAfterMs !== undefined) cancelTimer = setTimeout(cancel, cancelAfterMs);
			if (cancelWhen) {
				const due = () => {
					try {
						return cancelWhen() === true;
					} catch {
						return false;
					}
				};
				if (due()) cancel();
				else cancelPoller = setInterval(() => due() && cancel(), cancelPollMs);
			}
			if (signal) {
				if (signal.aborted) cancel();
				else {
					onAbort = cancel;
					signal.addEventListener('abort', onAbort, { once: true });
				}
			}

			const enginePromise = Promise.resolve(execution).then(
				(value) => ({ ok: true, value }),
				(error) => ({ ok: false, error }),
			);
			void enginePromise.then(() => {
				engineSettled = true;
				engineSettledMs = performance.now() - started;
			});
			// Resolve when n8n says the run is over (workflowExecuteAfter), as n8n's app does; but
			// also if the engine settles without ever firing the hook.
			await Promise.race([after.promise, enginePromise]);
			if (afterFired && !engineSettled) {
				// After a cancel the hook fires at once while the node may still be running: give the
				// engine time to wind down, so nothing of this run leaks into the next one.
				/** @type {ReturnType<typeof setTimeout> | undefined} */
				let t;
				await Promise.race([
					enginePromise,
					new Promise((r) => (t = setTimeout(r, settleTimeoutMs))),
				]);
				clearTimeout(t);
			}
			return engineSettled ? await enginePromise : { ok: true };
		});

		/** @param {any} run @param {unknown} failure */
		const result = (run, failure) =>
			buildResult({
				executionId,
				run,
				failure,
				thrown,
				runState,
				executionOrder,
				collected,
				credentialsHelper,
				durationMs,
				engineSettled,
				engineSettledMs,
				cancelledAt,
			});
		if (!afterFired && !engineOutcome.ok) {
			durationMs = performance.now() - started;
			return result(undefined, engineOutcome.error);
		}
		const run = afterFired ? await after.promise : engineOutcome.value;
		if (!afterFired) durationMs = performance.now() - started;
		return result(run, undefined);
	} finally {
		clearTimeout(cancelTimer);
		clearInterval(cancelPoller);
		if (signal && onAbort) signal.removeEventListener('abort', onAbort);
		collected.stop();
		activeRuns.delete(executionId);
		if (!engineSettled && execution) {
			// The engine is still winding down (a node ignoring the cancel signal): keep routing its
			// binary writes to this run's mode until it is done.
			activeRuns.set(executionId, runState);
			Promise.resolve(execution)
				.catch(() => {})
				.finally(() => activeRuns.delete(executionId));
		}
	}
}

/**
 * A real IWorkflowExecuteAdditionalData for one run: what n8n's app builds with
 * WorkflowExecuteAdditionalData.getBase(), minus the server (sub-workflows, task runners).
 * @param {{ executionId: string, workflowId: string, hooks: any, credentialsHelper: HarnessCredentialsHelper }} p
 */
function createAdditionalData({ executionId, workflowId, hooks, credentialsHelper }) {
	const notInHarness = (/** @type {string} */ what) => async () => {
		throw new Error(`${what} is not available in the test harness`);
	};
	/** @type {string[]} */
	const statuses = [];
	return {
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		...instanceUrls(),
		variables: {},
		userId: undefined,
		executeWorkflow: notInHarness('Executing a sub-workflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: notInHarness('The task runner (Code node)'),
		logAiEvent: () => {},
		setExecutionStatus: (/** @type {string} */ status) => {
			statuses.push(status);
		},
		sendDataToUI: () => {},
	};
}

/**
 * @param {{ executionId: string, run: any, failure: unknown, thrown: Map<string, unknown[]>, runState: any,
 *   executionOrder: string[], collected: { entries: import('./log-capture.mjs').LogEntry[] },
 *   credentialsHelper: HarnessCredentialsHelper, durationMs: number, engineSettled: boolean, engineSettledMs: number | undefined,
 *   cancelledAt: number | undefined }} p
 * @returns {RunResult}
 */
function buildResult(p) {
	const { run, failure, thrown } = p;
	const runData = run?.data?.resultData?.runData ?? {};
	const lastNode = run?.data?.resultData?.lastNodeExecuted;
	const storedError = run?.data?.resultData?.error;

	/** @param {string} nodeName */
	const nodeError = (nodeName) => {
		const real = thrown.get(nodeName);
		if (real?.length) return real[real.length - 1];
		const tasks = runData[nodeName];
		return tasks?.length ? tasks[tasks.length - 1].error : undefined;
	};

	let error = failure ?? storedError;
	if (storedError && lastNode) {
		const real = thrown.get(lastNode)?.at(-1);
		if (real && /** @type {any} */ (real).message === storedError.message) error = real;
	}

	const logEntries = [...p.collected.entries];
	return {
		executionId: p.executionId,
		status: run?.status ?? 'error',
		finished: run?.finished === true,
		error,
		runData,
		run,
		output(nodeName, outputIndex = 0) {
			const tasks = runData[nodeName];
			if (!tasks?.length) return [];
			return tasks[tasks.length - 1]?.data?.main?.[outputIndex] ?? [];
		},
		nodeError,
		received(nodeName) {
			return p.runState.received.get(nodeName) ?? [];
		},
		executionOrder: p.executionOrder,
		logs: logEntries.map((e) => e.line),
		logEntries,
		async readBinary(item, key) {
			const binaryData =
				key === undefined
					? item?.binary
						? Object.values(item.binary)[0]
						: item
					: (item?.binary?.[key] ?? item?.json?._files?.[key]);
			if (!binaryData) throw new Error(`readBinary: the item has no binary property "${key}"`);
			return await readBinaryData(binaryData);
		},
		credentialUpdates: p.credentialsHelper.updates,
		durationMs: p.durationMs,
		engineSettled: p.engineSettled,
		engineSettledMs: p.engineSettledMs,
		cancelledAt: p.cancelledAt,
	};
}

/** The DI container n8n-core uses (for tests that need to look at n8n services). */
export const Container = di.Container;
