/** Manual Trigger → Inpaint, as n8n exports it; used by the benchmarks. */
export function inpaintWorkflow(parameters) {
	return {
		id: 'benchmark',
		name: 'Benchmark',
		nodes: [
			{ id: 't', name: 'Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'i',
				name: 'Inpaint',
				type: 'n8n-nodes-pixazo-inpaint.inpaint',
				typeVersion: 1,
				position: [200, 0],
				parameters,
				credentials: { pixazoApi: { id: 'sim', name: 'Pixazo API' } },
			},
		],
		connections: { Trigger: { main: [[{ node: 'Inpaint', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** n items whose prompts differ, so the simulator never mistakes them for duplicate submits. */
export function items(n, extra = '') {
	return Array.from({ length: n }, (_, i) => ({ json: { i, extra } }));
}

export const uniquePrompt = '=Change to a lion {{ $json.i }} {{ $json.extra }}';
