import { IDLE_FORGET_MS, MAX_SHARED_ENTRIES, SWEEP_EVERY_MS } from '../helpers/tuning';
import type { SubmitBody } from '../helpers/validate';
import { CheckTiming } from './checkTiming';
import type { ItemRun } from './itemRun';

/** Every kind of job the process has seen, keyed by host, key hash and size settings. */
const kinds = new Map<string, CheckTiming>();

let lastSweepAt = 0;

/** What the process learned of jobs like this one: same host and key, same size and steps. */
export function checkTimingFor(item: ItemRun, body: SubmitBody): CheckTiming {
	const host = new URL(item.endpoints.pollUrl).host;
	const size = `${body.width ?? ''}x${body.height ?? ''}x${body.num_steps ?? ''}`;
	return timingOfKind(`${item.run.keyHash}@${host}#${size}`, Date.now());
}

function timingOfKind(kind: string, now: number): CheckTiming {
	if (now - lastSweepAt >= SWEEP_EVERY_MS) {
		lastSweepAt = now;
		for (const [id, timing] of kinds)
			if (now - timing.lastUsedAt >= IDLE_FORGET_MS) kinds.delete(id);
	}
	let timing = kinds.get(kind);
	if (!timing) {
		// The map is full: the least recently used kind makes room.
		for (const id of kinds.keys()) {
			if (kinds.size < MAX_SHARED_ENTRIES) break;
			kinds.delete(id);
		}
		timing = new CheckTiming();
	}
	kinds.delete(kind);
	kinds.set(kind, timing);
	return timing;
}

/** How many kinds of job the process remembers (for the long-run checks). */
export function jobKindCount(): number {
	return kinds.size;
}
