import type { IHttpRequestOptions, IN8nHttpFullResponse, NodeApiError } from 'n8n-workflow';

import type { RunOptions } from '../helpers/options';
import type { Failure, RequestKind } from './retryRules';

/** What a request needs of the node's options. */
export type RequestPolicy = Pick<
	RunOptions,
	'maxRetries' | 'retryDelayMs' | 'maxRetryAfterMs' | 'requestTimeoutMs'
>;

/** When a request stops being tried. */
export type GiveUp =
	/** After Max Retries further tries. */
	| { after: 'maxRetries' }
	/** At this time, retrying all that is safe to retry until then (a job being waited for). */
	| { at: number }
	/**
	 * A submit: one refused with 429 is tried again until this long after its first send, and
	 * none waits longer than this for a host that has taken nothing in that time.
	 */
	| { patienceMs: number };

/** The outcome of one try: the value the caller wanted, or what went wrong. */
export type Tried<T> = { value: T } | { failure: Failure };

/** A request whose deadline came before an answer: how it had gone until then. */
export interface Late {
	/** The last failure that was not a 429 (a 429 is the pace, not a problem). */
	lastFailure?: Failure;
	tries: number;
	/** Whether the API answered 429 on the way. */
	limited: boolean;
}

export interface Request<T> {
	kind: RequestKind;
	url: string;
	itemIndex: number;
	/** Method, headers, body, encoding: everything but the timeout. */
	http: IHttpRequestOptions;
	/** API calls carry the credential's key (and never follow redirects); downloads go without it. */
	withKey: boolean;
	policy: RequestPolicy;
	giveUp: GiveUp;
	/** Reads a successful answer (2xx, to the request sent at `sentAt`) into the value, or says why it cannot be used. */
	read: (response: IN8nHttpFullResponse, sentAt: number) => Tried<T> | Promise<Tried<T>>;
	/** The error to throw for a failure that is not tried again, after `attempt` + 1 tries. */
	describe: (failure: Failure, attempt: number) => NodeApiError;
}
