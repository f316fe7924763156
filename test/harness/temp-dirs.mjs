// Temp folders the harness creates; removed by disposeHarness() and, failing that, at process exit.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** @type {Set<string>} */
const owned = new Set();
let exitHookInstalled = false;

/**
 * Creates a temp folder the harness owns.
 * @param {string} prefix
 * @returns {string}
 */
export function makeOwnedTempDir(prefix) {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	owned.add(dir);
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		process.once('exit', () => removeOwnedTempDirs());
	}
	return dir;
}

/**
 * Removes the harness's temp folders (unless N8N_HARNESS_KEEP_FILES=true).
 * @param {(dir: string) => boolean} [filter]
 */
export function removeOwnedTempDirs(filter = () => true) {
	if (process.env.N8N_HARNESS_KEEP_FILES === 'true') return;
	for (const dir of [...owned]) {
		if (!filter(dir)) continue;
		try {
			rmSync(dir, { recursive: true, force: true });
		} catch {
			// best effort
		}
		owned.delete(dir);
	}
}
