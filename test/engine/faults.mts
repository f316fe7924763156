// What the simulator answers instead of the API, for the engine tests: the faults they enqueue
// (simulator/README.md, Faults), written once.
import type { Env, Simulator } from './env.mts';

/** A fault for the simulator to answer one request with (simulator/README.md, Faults). */
export type Fault = Exclude<Parameters<Simulator['enqueueFaults']>[0], unknown[]>;
type Endpoint = 'submit' | 'poll' | 'results';

/** A 429 asking the node to wait `seconds` (or until an HTTP date) before its next request. */
export function rateLimited(endpoint: 'submit' | 'poll', retryAfter: number | string): Fault {
	return { endpoint, type: 'status', status: 429, headers: { 'Retry-After': String(retryAfter) } };
}

/** An answer with this JSON body (200 unless `status` says otherwise) instead of the API's own. */
export function answeredWith(endpoint: Endpoint, body: unknown, status = 200): Fault {
	return { endpoint, type: 'status', status, body };
}

/** A redirect (301, 302, 303, 307 or 308) to `location`, another path or another host. */
export function redirectedTo(endpoint: Endpoint, status: number, location: string): Fault {
	return { endpoint, type: 'redirect', status, location };
}

/**
 * As each request to `endpoint` arrives, before the simulator handles it, enqueues the fault
 * `faultFor` returns for it (none if it returns nothing): `n` counts those requests from 1.
 * For faults that depend on the order of arrival or on what the request names.
 */
export function faultOnArrival(
	env: Env,
	endpoint: Endpoint,
	faultFor: (n: number, entry: any) => Fault | undefined,
) {
	let n = 0;
	return env.sim.onRequest((entry: any) => {
		if (entry.endpoint !== endpoint) return;
		const fault = faultFor(++n, entry);
		if (fault) env.sim.enqueueFaults(fault);
	});
}
