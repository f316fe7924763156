// The workflows the engine tests, the soak and the benchmarks run (Manual Trigger → Inpaint, or
// Inpaint nodes in a row, as n8n exports them), and the credential that points a run at the API
// simulator. No imports: the benchmarks load this into the process they measure.

export const INPAINT_NODE_TYPE = 'n8n-nodes-pixazo-inpaint.inpaint';
export const INPAINT_NODE_NAME = 'Inpaint';

/**
 * @param {Record<string, unknown>} parameters the Inpaint node's parameters
 * @param {Record<string, unknown>} [nodeSettings] fields of the node itself, as the editor's
 *   Settings tab stores them (e.g. `{ onError: 'continueRegularOutput' }`, `{ retryOnFail: true }`)
 */
export function inpaintWorkflow(parameters, nodeSettings = {}) {
	return inpaintChain([{ name: INPAINT_NODE_NAME, parameters, ...nodeSettings }]);
}

/**
 * Manual Trigger → Inpaint nodes in a row, each fed the one before (e.g. Submit → Get Results).
 * @param {Array<{ name: string, parameters: Record<string, unknown> } & Record<string, unknown>>} steps
 *   each node's name, parameters and Settings-tab fields
 */
export function inpaintChain(steps) {
	const names = ['Trigger', ...steps.map((step) => step.name)];
	return {
		id: 'inpaintWorkflow',
		name: names.join(' → '),
		nodes: [
			{
				id: 't',
				name: 'Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			...steps.map(({ name, parameters, ...nodeSettings }, n) => ({
				id: n === 0 ? 'i' : `i${n}`,
				name,
				type: INPAINT_NODE_TYPE,
				typeVersion: 1,
				position: [200 * (n + 1), 0],
				parameters,
				credentials: { pixazoApi: { id: 'sim', name: 'Pixazo API' } },
				...nodeSettings,
			})),
		],
		connections: Object.fromEntries(
			names
				.slice(0, -1)
				.map((from, n) => [from, { main: [[{ node: names[n + 1], type: 'main', index: 0 }]] }]),
		),
		settings: { executionOrder: 'v1' },
	};
}

/**
 * The Pixazo API credential (`pixazoApi`) as a user would fill it in to use a simulator: its key
 * and its two base URLs. Takes a running simulator or the same fields passed between processes.
 * @param {{ key: string, submitBaseUrl: string, pollBaseUrl: string }} sim
 */
export function simulatorCredential(sim) {
	return {
		subscriptionKey: sim.key,
		submitBaseUrl: sim.submitBaseUrl,
		pollBaseUrl: sim.pollBaseUrl,
	};
}
