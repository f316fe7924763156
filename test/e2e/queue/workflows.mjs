// The workflows the queue-mode run deploys: Webhook (answers at once) → Inpaint, one per scenario
// so each scenario's executions are listed apart, and the crash-safe example as it is shipped.
import { NODE_TYPE } from '../lib.mjs';
import { example } from '../workflows.mjs';

let counter = 0;
const uuid = (n) =>
	`9e0c${String(n).padStart(4, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Webhook `path` (POST, answering as `responseMode` says) → one Inpaint node called `nodeName`. */
function webhookThen(name, path, responseMode, nodeName, parameters, credential) {
	const n = ++counter;
	return {
		name,
		active: false,
		nodes: [
			{
				parameters: { httpMethod: 'POST', path, responseMode, options: {} },
				id: uuid(n * 10 + 1),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: uuid(n * 10 + 2),
			},
			{
				parameters,
				id: uuid(n * 10 + 3),
				name: nodeName,
				type: NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				credentials: { pixazoApi: credential },
			},
		],
		connections: { Webhook: { main: [[{ node: nodeName, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Webhook `path` (POST, answered on receipt) → Inpaint Submit with the built-in wait. The prompt
 * comes from the call's body (a unique one per call, with the simulator's `[sim:ms=…]` job time).
 */
export function webhookInpaint(name, path, sim, credential, options = {}) {
	return webhookThen(
		`queue e2e: ${name}`,
		path,
		'onReceived',
		'Inpaint',
		{
			operation: 'submit',
			prompt: '={{ $json.body.prompt }}',
			imageUrl: sim.sampleImageUrl,
			maskUrl: sim.sampleMaskUrl,
			waitForCompletion: true,
			additionalFields: {},
			options: { pollInterval: 0.25, timeout: 300, ...options },
		},
		credential,
	);
}

/** examples/queue-mode-crash-safe.workflow.json as shipped, on webhook `path` with `credential`. */
export function crashSafe(path, credential) {
	const workflow = example('queue-mode-crash-safe');
	workflow.nodes.find((n) => n.name === 'Webhook').parameters.path = path;
	for (const node of workflow.nodes.filter((n) => n.type === NODE_TYPE))
		node.credentials = { pixazoApi: credential };
	return { ...workflow, id: undefined, active: false };
}

/** The operator's recovery: Webhook (answers with the result) → Get Results for a logged Job Set ID. */
export function recoverJob(path, credential) {
	return webhookThen(
		'queue e2e: recover a job from the worker log',
		path,
		'lastNode',
		'Get results',
		{
			operation: 'getResults',
			jobSetId: '={{ $json.body.jobSetId }}',
			waitForCompletion: true,
			options: { pollInterval: 0.25 },
		},
		credential,
	);
}
