// Inputs for the benchmark runs (the workflow itself: test/harness/inpaint-workflow.mjs).
/** n items whose prompts differ, so the simulator never mistakes them for duplicate submits. */
export function items(n, extra = '') {
	return Array.from({ length: n }, (_, i) => ({ json: { i, extra } }));
}

export const uniquePrompt = '=Change to a lion {{ $json.i }} {{ $json.extra }}';
