import { HostPace } from './hostPace';
import type { Verdict } from './hostPace';
import type { Waiter } from './waiter';

/** What a request bounded by a deadline gives instead of an answer once the deadline has come. */
export const PAST_DEADLINE = Symbol('past deadline');

/**
 * Submits create jobs; checks (status checks and downloads) follow jobs already accepted.
 * When both wait for the same host they take turns, so a big batch still being sent never
 * keeps an accepted job from being checked, and checks never starve the submits.
 */
export type Lane = 'submit' | 'check';

/** A check whose deadline is this close goes before everything else. */
const URGENT_MS = 3000;

/** A granted slot: report how the host answered, exactly once. */
export interface Lease {
	readonly sentAt: number;
	settle(verdict: Verdict, pauseMs?: number): void;
}

interface Ticket {
	lane: Lane;
	order: number;
	deadline: () => number;
	resolve: (lease: Lease | typeof PAST_DEADLINE) => void;
	reject: (error: unknown) => void;
}

interface HostQueue {
	pace: HostPace;
	submit: Ticket[];
	check: Ticket[];
	lastLane: Lane;
}

/**
 * One shared pace for every request of an execution: at most `limit` requests in flight, and
 * per host a rate learned from its answers (see HostPace). Requests wait in two lanes per host;
 * a single dispatcher hands out the slots, so the pace holds however many items wait.
 */
export class Pacer {
	private active = 0;

	private readonly hosts = new Map<string, HostQueue>();

	private pumping = false;

	private orders = 0;

	private kick: () => void = () => {};

	private wake: Promise<void> = Promise.resolve();

	constructor(
		private readonly limit: number,
		private readonly waiter: Waiter,
	) {
		this.rearm();
	}

	/** When the host last took a request (the run's start if it never did). */
	lastAcceptedAt(host: string): number {
		return this.queueOf(host).pace.lastAcceptedAt;
	}

	/** A place in line: a request tried again with the same order goes before those that came later. */
	nextOrder(): number {
		return this.orders++;
	}

	/**
	 * Waits for a slot to `host` in `lane`, in line by `order` (oldest first). Resolves
	 * PAST_DEADLINE once `deadline()` has come (read anew while waiting: it may move), and
	 * throws when the execution is cancelled.
	 */
	async acquire(
		host: string,
		lane: Lane,
		deadline: () => number,
		order = this.nextOrder(),
	): Promise<Lease | typeof PAST_DEADLINE> {
		this.waiter.throwIfCancelled();
		const line = this.queueOf(host)[lane];
		const granted = new Promise<Lease | typeof PAST_DEADLINE>((resolve, reject) => {
			const ticket = { lane, order, deadline, resolve, reject };
			let at = line.length;
			while (at > 0 && line[at - 1].order > order) at--;
			line.splice(at, 0, ticket);
		});
		this.kick();
		if (!this.pumping) void this.pump();
		return await granted;
	}

	private queueOf(host: string): HostQueue {
		let queue = this.hosts.get(host);
		if (!queue) {
			queue = { pace: new HostPace(Date.now()), submit: [], check: [], lastLane: 'check' };
			this.hosts.set(host, queue);
		}
		return queue;
	}

	private rearm(): void {
		this.wake = new Promise<void>((resolve) => (this.kick = resolve));
	}

	/** Hands out slots while anything waits; sleeps until the next pace slot, deadline or release. */
	private async pump(): Promise<void> {
		this.pumping = true;
		try {
			for (;;) {
				this.rearm();
				const now = Date.now();
				let next = Infinity;
				for (const queue of this.hosts.values()) {
					next = Math.min(next, this.expire(queue, now));
					while (this.active < this.limit) {
						const ticket = this.pick(queue, now);
						if (!ticket) break;
						this.grant(queue, ticket, now);
					}
					if (this.active >= this.limit) continue;
					if (queue.submit.length > 0) next = Math.min(next, queue.pace.readyAt(false));
					if (queue.check.length > 0) next = Math.min(next, queue.pace.readyAt(true));
				}
				if (this.waitingCount() === 0) return;
				// A release wakes the dispatcher early; otherwise it sleeps until the next pace slot or deadline.
				await this.waiter.waitOrWake(Math.min(Math.max(1, next - Date.now()), 60_000), this.wake);
			}
		} catch (error) {
			for (const queue of this.hosts.values()) {
				for (const ticket of queue.submit.splice(0).concat(queue.check.splice(0)))
					ticket.reject(error);
			}
		} finally {
			this.pumping = false;
		}
	}

	/** Resolves the tickets whose deadline has come; returns the earliest deadline still ahead. */
	private expire(queue: HostQueue, now: number): number {
		let next = Infinity;
		for (const lane of ['submit', 'check'] as const) {
			queue[lane] = queue[lane].filter((ticket) => {
				const deadline = ticket.deadline();
				if (deadline > now) {
					next = Math.min(next, deadline);
					return true;
				}
				ticket.resolve(PAST_DEADLINE);
				return false;
			});
		}
		return next;
	}

	/** The next ticket the host may take now: an urgent check, else the lanes in turn, oldest first. */
	private pick(queue: HostQueue, now: number): Ticket | undefined {
		const checkReady = queue.check.length > 0 && queue.pace.readyAt(true) <= now;
		const submitReady = queue.submit.length > 0 && queue.pace.readyAt(false) <= now;
		if (checkReady) {
			let urgent = -1;
			queue.check.forEach((ticket, index) => {
				const deadline = ticket.deadline();
				if (deadline - now < URGENT_MS && (urgent < 0 || deadline < queue.check[urgent].deadline()))
					urgent = index;
			});
			if (urgent >= 0) return queue.check.splice(urgent, 1)[0];
		}
		const lane: Lane | undefined =
			checkReady && (!submitReady || queue.lastLane === 'submit')
				? 'check'
				: submitReady
					? 'submit'
					: undefined;
		return lane ? queue[lane].shift() : undefined;
	}

	private grant(queue: HostQueue, ticket: Ticket, now: number): void {
		this.active++;
		queue.lastLane = ticket.lane;
		queue.pace.started(now, ticket.lane === 'check');
		let settled = false;
		ticket.resolve({
			sentAt: now,
			settle: (verdict, pauseMs) => {
				if (settled) return;
				settled = true;
				this.active--;
				queue.pace.answered(Date.now(), now, verdict, pauseMs);
				this.kick();
				if (!this.pumping && this.waitingCount() > 0) void this.pump();
			},
		});
	}

	private waitingCount(): number {
		let count = 0;
		for (const queue of this.hosts.values()) count += queue.submit.length + queue.check.length;
		return count;
	}
}
