// Bootstraps n8n's own engine (n8n-core + n8n-workflow, CommonJS builds) for the harness.
//
// Everything n8n is loaded here with `require` (through createRequire), never with a static ESM
// `import`, for two reasons:
//   1. n8n-core reads N8N_USER_FOLDER while its modules initialise, so the variable must be set
//      before the first require of n8n-core (static imports would be hoisted above that line);
//   2. the node package under test `require`s n8n-workflow (CJS). The harness must use that very
//      copy, or `error instanceof NodeApiError` fails across copies.
// n8n-workflow and @n8n/di / @n8n/backend-common are resolved *from n8n-core's location*, so they
// are the copies n8n-core itself uses.

import { createRequire } from 'node:module';
import path from 'node:path';

import { installLogCapture } from './log-capture.mjs';
import { shared } from './shared.mjs';
import { makeOwnedTempDir } from './temp-dirs.mjs';

/** Whether the harness made N8N_USER_FOLDER (it was unset). */
export const ownsUserFolder = !process.env.N8N_USER_FOLDER;
if (ownsUserFolder) {
	process.env.N8N_USER_FOLDER = makeOwnedTempDir('n8n-harness-user-');
}

// N8N_HARNESS_CORE_DIR picks another install of n8n (a folder whose node_modules holds n8n-core),
// so the same tests can run against another n8n line (test/compat/).
const requireHere = process.env.N8N_HARNESS_CORE_DIR
	? createRequire(path.join(path.resolve(process.env.N8N_HARNESS_CORE_DIR), 'package.json'))
	: createRequire(import.meta.url);
const coreEntry = requireHere.resolve('n8n-core');
const requireFromCore = createRequire(coreEntry);

/** @type {typeof import('n8n-core')} */
export const core = requireFromCore(coreEntry);
/** @type {typeof import('n8n-workflow')} */
export const workflowLib = requireFromCore('n8n-workflow');
/** @type {typeof import('@n8n/di')} */
export const di = requireFromCore('@n8n/di');
/**
 * n8n's DI-registered Logger class: in @n8n/backend-common since n8n 1.9x, before that exported
 * by n8n-core itself.
 * @type {any}
 */
export const LoggerClass = (() => {
	try {
		return requireFromCore('@n8n/backend-common').Logger;
	} catch {
		return /** @type {any} */ (core).Logger;
	}
})();

/** Absolute path of the CJS entry of n8n-workflow that n8n-core (and so the harness) uses. */
export const n8nWorkflowPath = requireFromCore.resolve('n8n-workflow');
export const n8nCorePath = coreEntry;

export const n8nCoreVersion = /** @type {string} */ (
	requireFromCore(path.join(path.dirname(path.dirname(coreEntry)), 'package.json')).version
);
export const n8nWorkflowVersion = /** @type {string} */ (
	requireFromCore('n8n-workflow/package.json').version
);

// The logger must be in place before any n8n class asks the DI container for one
// (DirectoryLoader, BinaryDataService, ErrorReporter, ... all do in their constructors).
shared.logCapture ??= installLogCapture({
	Container: di.Container,
	Logger: LoggerClass,
	LoggerProxy: workflowLib.LoggerProxy,
});
export const logCapture = shared.logCapture;
