import { SharedEntries } from '../helpers/sharedEntries';
import type { SubmitBody } from '../helpers/validate';
import { CheckTiming } from './checkTiming';
import type { ItemRun } from './itemRun';

/** Every kind of job the process has seen, keyed by host, key hash and size settings. */
const kinds = new SharedEntries(() => new CheckTiming());

/** What the process learned of jobs like this one: same host and key, same size and steps. */
export function checkTimingFor(item: ItemRun, body: SubmitBody): CheckTiming {
	const host = new URL(item.endpoints.pollUrl).host;
	const size = `${body.width ?? ''}x${body.height ?? ''}x${body.num_steps ?? ''}`;
	return kinds.use(`${item.run.keyHash}@${host}#${size}`, Date.now());
}

/** How many kinds of job the process remembers (for the long-run checks). */
export function jobKindCount(): number {
	return kinds.size;
}
