import type { INode } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { SLICE_MS } from '../helpers/tuning';

class ExecutionCancelled extends NodeOperationError {
	constructor(node: INode) {
		super(node, 'The execution was cancelled');
	}
}

/**
 * Waits in short slices of n8n's own `sleep` (timers are not allowed in community nodes),
 * and wakes at once when the execution is cancelled.
 */
export class Waiter {
	private readonly cancelled: Promise<void>;

	constructor(
		private readonly node: INode,
		readonly signal: AbortSignal | undefined,
	) {
		this.cancelled = new Promise<void>((resolve) => {
			if (!signal) return;
			if (signal.aborted) resolve();
			else signal.addEventListener('abort', () => resolve(), { once: true });
		});
	}

	get isCancelled(): boolean {
		return this.signal?.aborted === true;
	}

	cancelledError(): ExecutionCancelled {
		return new ExecutionCancelled(this.node);
	}

	throwIfCancelled(): void {
		if (this.isCancelled) throw this.cancelledError();
	}

	/** Resolves after `ms`, or throws `ExecutionCancelled` as soon as the execution is cancelled. */
	async wait(ms: number): Promise<void> {
		const end = Date.now() + Math.max(0, ms);
		this.throwIfCancelled();
		for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
			await Promise.race([sleep(Math.min(left, SLICE_MS)), this.cancelled]);
			this.throwIfCancelled();
		}
	}
}
