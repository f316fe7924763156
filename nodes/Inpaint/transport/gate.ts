import type { Waiter } from '../helpers/cancellableSleep';

/** What a request bounded by a deadline gives instead of an answer once the deadline has come. */
export const PAST_DEADLINE = Symbol('past deadline');

/**
 * One shared pace for every request of an execution: at most `limit` requests in flight,
 * and when a host answers 429, every request to that host waits for the time it asked.
 */
export class RequestGate {
	private active = 0;

	private readonly queue: Array<() => void> = [];

	private readonly pausedUntil = new Map<string, number>();

	constructor(
		private readonly limit: number,
		private readonly waiter: Waiter,
	) {}

	pauseHost(host: string, untilMs: number): void {
		if (untilMs > (this.pausedUntil.get(host) ?? 0)) this.pausedUntil.set(host, untilMs);
	}

	/** Runs `request` when the host is not paused and a slot is free; never waits past `deadline`. */
	async run<T>(host: string, request: () => Promise<T>, deadline = Infinity): Promise<T | typeof PAST_DEADLINE> {
		if (!(await this.waitForHost(host, deadline))) return PAST_DEADLINE;
		await this.acquire();
		try {
			// A 429 may have paused the host while this request queued for a slot.
			if (!(await this.waitForHost(host, deadline))) return PAST_DEADLINE;
			return await request();
		} finally {
			this.release();
		}
	}

	/** False when the pause outlasts the deadline (after waiting until the deadline). */
	private async waitForHost(host: string, deadline: number): Promise<boolean> {
		for (let until = this.pausedUntil.get(host) ?? 0; until > Date.now(); ) {
			if (until > deadline) {
				await this.waiter.wait(deadline - Date.now());
				return false;
			}
			await this.waiter.wait(until - Date.now());
			until = this.pausedUntil.get(host) ?? 0;
		}
		return true;
	}

	private async acquire(): Promise<void> {
		this.waiter.throwIfCancelled();
		if (this.active < this.limit) {
			this.active++;
			return;
		}
		await new Promise<void>((resolve) => this.queue.push(resolve));
		if (this.waiter.isCancelled) {
			this.release();
			this.waiter.throwIfCancelled();
		}
	}

	private release(): void {
		const next = this.queue.shift();
		// The slot passes straight to the next waiter, so `active` stays as it is.
		if (next) next();
		else this.active--;
	}
}
