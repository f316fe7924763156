import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RunSlots } from './pace/runSlots';
import type { Failure } from './retryRules';
import { Waiter } from './waiter';

/** The run is stopping: the request was never sent. */
export class RunStopped extends NodeOperationError {}

/**
 * What every request of one node run shares: n8n's functions for this run, its cancellable
 * waits, its Concurrency, the hash of its key (which pace lines it uses), and whether it is
 * stopping.
 */
export class NodeRun {
	readonly waiter: Waiter;

	readonly slots: RunSlots;

	readonly startedAt = Date.now();

	private stopped = false;

	private readonly stopOnFailure: boolean;

	/** Hosts that answered that the key's quota is used up: nothing more is sent to them. */
	readonly quotaUsedUp = new Map<string, Failure>();

	constructor(
		readonly context: IExecuteFunctions,
		concurrency: number,
		readonly keyHash: string,
	) {
		this.waiter = new Waiter(context.getNode(), context.getExecutionCancelSignal());
		this.stopOnFailure = !context.continueOnFail();
		this.slots = new RunSlots(concurrency, this.waiter.signal, () => this.waiter.cancelledError());
	}

	/** An item failed: without Continue On Fail the run stops sending, before any other request goes. */
	itemFailed(): void {
		if (this.stopOnFailure) this.stopped = true;
	}

	/** An item failed without Continue On Fail: nothing more is sent. */
	get stopping(): boolean {
		return this.stopped;
	}
}
