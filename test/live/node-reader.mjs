// The node's own reader of the API's answers (built, from dist/): the live check asks it how the
// node would read an answer (a job still running, done, failed; its images). The one place that
// knows where the reader lives: when the node's files move, only this import changes.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ROOT } from './settings.mjs';

const FILE = join(ROOT, 'dist', 'nodes', 'Inpaint', 'helpers', 'jobAnswer.js');

/**
 * @typedef {{ state: 'succeeded' | 'failed' | 'running', status: string, jobSetId: string | null,
 *   results: { imageUrl: string | null, jobId: string | null }[], reason: string | null }} NodeReading
 */

/** @type {((body: Record<string, unknown>, knownJobSetId?: string | null) => NodeReading) | null} */
let reader = null;

/**
 * How the node reads an answer body of either endpoint.
 * @param {Record<string, unknown>} body
 * @param {string | null} [knownJobSetId]
 * @returns {NodeReading}
 */
export function nodeReads(body, knownJobSetId = null) {
	if (!reader) {
		let loaded;
		try {
			loaded = createRequire(import.meta.url)(FILE);
		} catch (err) {
			throw new Error(
				`cannot load the node's answer reader from ${FILE}: run npm run build, or point test/live/node-reader.mjs at its new place`,
				{ cause: err },
			);
		}
		if (typeof loaded.parseJobAnswer !== 'function')
			throw new Error(`${FILE} no longer exports parseJobAnswer: update test/live/node-reader.mjs`);
		reader = loaded.parseJobAnswer;
	}
	return /** @type {NonNullable<typeof reader>} */ (reader)(body, knownJobSetId);
}
