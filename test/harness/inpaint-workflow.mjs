// The one-node workflow the engine tests and the benchmarks run (Manual Trigger → Inpaint, as
// n8n exports it), and the credential that points a run at the API simulator. No imports: the
// benchmarks load this into the process they measure.

export const INPAINT_NODE_TYPE = 'n8n-nodes-pixazo-inpaint.inpaint';
export const INPAINT_NODE_NAME = 'Inpaint';

/**
 * @param {Record<string, unknown>} parameters the Inpaint node's parameters
 * @param {Record<string, unknown>} [nodeSettings] fields of the node itself, as the editor's
 *   Settings tab stores them (e.g. `{ onError: 'continueRegularOutput' }`, `{ retryOnFail: true }`)
 */
export function inpaintWorkflow(parameters, nodeSettings = {}) {
	return {
		id: 'inpaintWorkflow',
		name: 'Trigger → Inpaint',
		nodes: [
			{
				id: 't',
				name: 'Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'i',
				name: INPAINT_NODE_NAME,
				type: INPAINT_NODE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters,
				credentials: { pixazoApi: { id: 'sim', name: 'Pixazo API' } },
				...nodeSettings,
			},
		],
		connections: { Trigger: { main: [[{ node: INPAINT_NODE_NAME, type: 'main', index: 0 }]] } },
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
