/** What the transport needs to know of the node's options, in milliseconds. */
export interface RequestPolicy {
	/** Longest wait for one HTTP answer. */
	requestTimeoutMs: number;
	/** Retries of a request that is not waited out until a deadline. */
	maxRetries: number;
	/** First backoff before a retry; it doubles with each further one. */
	retryDelayMs: number;
	/** Longest pause a 429's Retry-After may impose. */
	maxRetryAfterMs: number;
}
