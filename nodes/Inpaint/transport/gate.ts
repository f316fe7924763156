import type { Waiter } from '../helpers/cancellableSleep';

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

	async run<T>(host: string, request: () => Promise<T>): Promise<T> {
		await this.waitForHost(host);
		await this.acquire();
		try {
			// A 429 may have paused the host while this request queued for a slot.
			await this.waitForHost(host);
			return await request();
		} finally {
			this.release();
		}
	}

	private async waitForHost(host: string): Promise<void> {
		for (let until = this.pausedUntil.get(host) ?? 0; until > Date.now(); ) {
			await this.waiter.wait(until - Date.now());
			until = this.pausedUntil.get(host) ?? 0;
		}
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
