// Process-wide harness state, kept on globalThis so that a second evaluation of the harness
// modules in the same process (vi.resetModules, several module graphs) shares it with the first
// instead of fighting over n8n's singletons (DI container, LoggerProxy, BinaryDataService).

const KEY = Symbol.for('n8n-node-harness.shared-state');

/**
 * @type {{
 *   logCapture?: ReturnType<typeof import('./log-capture.mjs').installLogCapture>,
 *   activeRuns?: Map<string, import('./runtime.mjs').RunState>,
 *   executionCounter?: number,
 *   runtimePromise?: Promise<{ binaryDataService: any, storagePath: string }>,
 *   realBinaryDataService?: any,
 *   packageCache?: Map<string, Promise<any>>,
 * }}
 */
export const shared = /** @type {any} */ (globalThis)[KEY] ?? {};
/** @type {any} */ (globalThis)[KEY] = shared;

/** The URLs of the (imaginary) n8n instance a run belongs to, as n8n's additionalData carries them. */
export function instanceUrls(baseUrl = 'http://localhost:5678/') {
	return {
		restApiUrl: `${baseUrl}rest`,
		instanceBaseUrl: baseUrl,
		formBaseUrl: `${baseUrl}form`,
		formWaitingBaseUrl: `${baseUrl}form-waiting`,
		formTestBaseUrl: `${baseUrl}form-test`,
		webhookBaseUrl: `${baseUrl}webhook`,
		webhookWaitingBaseUrl: `${baseUrl}webhook-waiting`,
		webhookTestBaseUrl: `${baseUrl}webhook-test`,
		mcpBaseUrl: `${baseUrl}mcp`,
		mcpTestBaseUrl: `${baseUrl}mcp-test`,
	};
}
