import { IDLE_FORGET_MS, MAX_SHARED_ENTRIES, SWEEP_EVERY_MS } from '../../helpers/tuning';
import { PaceLine } from './paceLine';

/**
 * The process's pace lines, one per host and key: every run of the node in this n8n process
 * (one process, a queue-mode worker, AI Agent tool calls) shares what they learned. Keyed by a
 * hash of the key, never the key itself; idle lines are dropped when the map is next used.
 */
const lines = new Map<string, PaceLine>();

let lastSweepAt = 0;

/** The line to `host` for the key hashed as `keyHash` (empty for requests sent without a key). */
export function paceLineFor(host: string, keyHash: string): PaceLine {
	const now = Date.now();
	if (now - lastSweepAt >= SWEEP_EVERY_MS) sweep(now);
	const id = `${keyHash}@${host}`;
	const line = lines.get(id) ?? newLine(now);
	// Re-inserted, so the map runs from least to most recently used.
	lines.delete(id);
	lines.set(id, line);
	return line;
}

/** How many lines the process holds (for the long-run checks). */
export function paceLineCount(): number {
	return lines.size;
}

/** A new line; when the map is full, the least recently used idle line makes room. */
function newLine(now: number): PaceLine {
	for (const [id, line] of lines) {
		if (lines.size < MAX_SHARED_ENTRIES) break;
		if (line.isIdle(now, 0)) lines.delete(id);
	}
	return new PaceLine(now);
}

function sweep(now: number): void {
	lastSweepAt = now;
	for (const [id, line] of lines) if (line.isIdle(now, IDLE_FORGET_MS)) lines.delete(id);
}
