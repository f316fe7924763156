/** Where a run's requests wait: told when the run frees a slot, or is cancelled. */
export interface WaitingPlace {
	dispatchSoon(): void;
	dropTicketsOf(slots: RunSlots, error: Error): void;
}

/**
 * One node run's share of the process: at most `limit` requests in flight (the Concurrency
 * option), whichever host they go to. When the execution is cancelled, the run's waiting
 * requests leave every line at once; other runs' requests keep their places.
 */
export class RunSlots {
	private active = 0;

	private readonly places = new Set<WaitingPlace>();

	constructor(
		readonly limit: number,
		signal: AbortSignal | undefined,
		cancelledError: () => Error,
	) {
		signal?.addEventListener(
			'abort',
			() => {
				const error = cancelledError();
				for (const place of this.places) place.dropTicketsOf(this, error);
			},
			{ once: true },
		);
	}

	get isFull(): boolean {
		return this.active >= this.limit;
	}

	waitsIn(place: WaitingPlace): void {
		this.places.add(place);
	}

	take(): void {
		this.active++;
	}

	release(): void {
		this.active--;
		for (const place of this.places) place.dispatchSoon();
	}
}
