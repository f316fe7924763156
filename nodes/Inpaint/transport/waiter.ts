import type { INode } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

/** Longest single sleep, so a cancelled execution is noticed well within a second. */
const SLICE_MS = 200;

export class ExecutionCancelled extends NodeOperationError {
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

	throwIfCancelled(): void {
		if (this.isCancelled) throw new ExecutionCancelled(this.node);
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

	/** Resolves after `ms` or as soon as `wake` settles, whichever comes first; throws when cancelled. */
	async waitOrWake(ms: number, wake: Promise<void>): Promise<void> {
		let woken = false;
		const marked = wake.then(() => {
			woken = true;
		});
		const end = Date.now() + Math.max(0, ms);
		this.throwIfCancelled();
		for (let left = end - Date.now(); left > 0 && !woken; left = end - Date.now()) {
			await Promise.race([sleep(Math.min(left, SLICE_MS)), this.cancelled, marked]);
			this.throwIfCancelled();
		}
	}
}
