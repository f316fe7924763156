import { SharedEntries } from '../../helpers/sharedEntries';
import { PaceLine } from './paceLine';

/**
 * The process's pace lines, one per host and key: every run of the node in this n8n process
 * (one process, a queue-mode worker, AI Agent tool calls) shares what they learned.
 */
const lines = new SharedEntries((now) => new PaceLine(now));

/** The line to `host` for the key hashed as `keyHash` (empty for requests sent without a key). */
export function paceLineFor(host: string, keyHash: string): PaceLine {
	return lines.use(`${keyHash}@${host}`, Date.now());
}

/** How many lines the process holds (for the long-run checks). */
export function paceLineCount(): number {
	return lines.size;
}
