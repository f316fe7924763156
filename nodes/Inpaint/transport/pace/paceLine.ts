import { sleep } from 'n8n-workflow';

import { DISPATCH_NAP_MS, URGENT_MS } from '../../helpers/tuning';
import type { Verdict } from './hostPace';
import { HostPace } from './hostPace';
import type { RunSlots, WaitingPlace } from './runSlots';

/**
 * Submits create jobs; checks (status checks and downloads) follow jobs already accepted. When
 * both wait for the same host they take turns, so a big batch still being sent never keeps an
 * accepted job from being checked, and checks never starve the submits.
 */
type Lane = 'submit' | 'check';

/** A granted turn to send one request: report how the host answered, exactly once. */
export interface Turn {
	readonly sentAt: number;
	finish(verdict: Verdict, pauseMs?: number): void;
}

/** What a waiting request tells its line. */
export interface Place {
	lane: Lane;
	/** Its place in line: lowest first. */
	order: number;
	/** How many times it was sent before: among urgent checks, the least tried goes first. */
	attempt: number;
	/** When it stops waiting (read anew each time: it may move). */
	deadline: () => number;
}

interface Ticket extends Place {
	slots: RunSlots;
	/** The turn, or null once the deadline has come first. */
	resolve: (turn: Turn | null) => void;
	reject: (error: Error) => void;
}

/**
 * The line of requests to one host with one key, shared by every run in the process, and the
 * pace they are sent at. One dispatcher hands out the turns, oldest request first, so the pace
 * holds however many runs and items wait; each run's Concurrency still caps its own requests.
 */
export class PaceLine implements WaitingPlace {
	readonly pace: HostPace;

	private readonly lanes: Record<Lane, Ticket[]> = { submit: [], check: [] };

	private lastLane: Lane = 'check';

	private inFlight = 0;

	private lastUsedAt: number;

	private dispatching = false;

	private wakeDispatcher: () => void = () => {};

	constructor(now: number) {
		this.pace = new HostPace(now);
		this.lastUsedAt = now;
	}

	/** Waits for a turn in the request's place; resolves null once its deadline has come first. */
	async waitForTurn(slots: RunSlots, place: Place): Promise<Turn | null> {
		this.lastUsedAt = Date.now();
		slots.waitsIn(this);
		const turn = new Promise<Turn | null>((resolve, reject) => {
			const line = this.lanes[place.lane];
			let at = line.length;
			while (at > 0 && line[at - 1].order > place.order) at--;
			line.splice(at, 0, { ...place, slots, resolve, reject });
		});
		this.dispatchSoon();
		return await turn;
	}

	dropTicketsOf(slots: RunSlots, error: Error): void {
		for (const lane of ['submit', 'check'] as const) {
			this.lanes[lane] = this.lanes[lane].filter((ticket) => {
				if (ticket.slots !== slots) return true;
				ticket.reject(error);
				return false;
			});
		}
	}

	/** Nothing waits or is in flight, and nothing has been for `forMs`. */
	isIdle(now: number, forMs: number): boolean {
		return this.waiting() === 0 && this.inFlight === 0 && now - this.lastUsedAt >= forMs;
	}

	/** Something changed (a request joined, a slot was freed): hand out what can go now. */
	dispatchSoon(): void {
		if (this.dispatching) this.wakeDispatcher();
		else if (this.waiting() > 0) void this.dispatch();
	}

	/** Hands out turns while anything waits; naps until the next turn or deadline, or until something changes. */
	private async dispatch(): Promise<void> {
		this.dispatching = true;
		try {
			while (this.waiting() > 0) {
				const woken = new Promise<void>((resolve) => (this.wakeDispatcher = resolve));
				const now = Date.now();
				let next = this.expire(now);
				for (let ticket = this.pick(now); ticket; ticket = this.pick(now)) this.grant(ticket, now);
				for (const lane of ['submit', 'check'] as const) {
					if (this.lanes[lane].some((ticket) => !ticket.slots.isFull))
						next = Math.min(next, this.pace.readyAt(lane === 'check'));
				}
				if (this.waiting() === 0) break;
				const napMs = Math.min(Math.max(1, next - Date.now()), DISPATCH_NAP_MS);
				await Promise.race([sleep(napMs), woken]);
			}
		} catch (error) {
			for (const ticket of this.lanes.submit.splice(0).concat(this.lanes.check.splice(0)))
				ticket.reject(error as Error);
		} finally {
			this.dispatching = false;
		}
	}

	/** Ends the wait of the tickets whose deadline has come; returns the earliest deadline still ahead. */
	private expire(now: number): number {
		let next = Infinity;
		for (const lane of ['submit', 'check'] as const) {
			this.lanes[lane] = this.lanes[lane].filter((ticket) => {
				const deadline = ticket.deadline();
				if (deadline > now) {
					next = Math.min(next, deadline);
					return true;
				}
				ticket.resolve(null);
				return false;
			});
		}
		return next;
	}

	/** The next ticket the host may take now: an urgent check, else the lanes in turn, oldest first. */
	private pick(now: number): Ticket | undefined {
		const ready = (lane: Lane) =>
			this.pace.readyAt(lane === 'check') <= now
				? this.lanes[lane].findIndex((ticket) => !ticket.slots.isFull)
				: -1;
		const check = ready('check');
		if (check >= 0) {
			const urgent = this.mostUrgentCheck(now);
			if (urgent >= 0) return this.lanes.check.splice(urgent, 1)[0];
		}
		const submit = ready('submit');
		if (check >= 0 && (submit < 0 || this.lastLane === 'submit'))
			return this.lanes.check.splice(check, 1)[0];
		return submit >= 0 ? this.lanes.submit.splice(submit, 1)[0] : undefined;
	}

	/**
	 * The sendable check whose deadline is within URGENT_MS: the least tried first, then the
	 * nearest deadline (so one job's retries do not take every last chance of the others).
	 */
	private mostUrgentCheck(now: number): number {
		let urgent = -1;
		this.lanes.check.forEach((ticket, index) => {
			if (ticket.slots.isFull || ticket.deadline() - now >= URGENT_MS) return;
			const best = this.lanes.check[urgent];
			if (
				!best ||
				ticket.attempt < best.attempt ||
				(ticket.attempt === best.attempt && ticket.deadline() < best.deadline())
			)
				urgent = index;
		});
		return urgent;
	}

	private grant(ticket: Ticket, now: number): void {
		ticket.slots.take();
		this.inFlight++;
		this.lastLane = ticket.lane;
		this.pace.started(now, ticket.lane === 'check');
		let finished = false;
		ticket.resolve({
			sentAt: now,
			finish: (verdict, pauseMs) => {
				if (finished) return;
				finished = true;
				this.inFlight--;
				this.lastUsedAt = Date.now();
				this.pace.answered(this.lastUsedAt, now, verdict, pauseMs);
				ticket.slots.release();
				this.dispatchSoon();
			},
		});
	}

	private waiting(): number {
		return this.lanes.submit.length + this.lanes.check.length;
	}
}
