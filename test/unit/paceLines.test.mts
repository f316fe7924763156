import { afterEach, describe, expect, it, vi } from 'vitest';

import { RunSlots } from '../../nodes/Inpaint/transport/pace/runSlots';
import { paceLineCount, paceLineFor } from '../../nodes/Inpaint/transport/pace/paceLines';

const never = () => Infinity;
const place = (order: number) => ({ lane: 'check' as const, order, attempt: 0, deadline: never });

describe('the pace lines of the process', () => {
	afterEach(() => vi.useRealTimers());

	it('one line per host and key: the same one for every run, another for another key or host', () => {
		const line = paceLineFor('api.example:443', 'key-a');
		expect(paceLineFor('api.example:443', 'key-a')).toBe(line);
		expect(paceLineFor('api.example:443', 'key-b')).not.toBe(line);
		expect(paceLineFor('other.example:443', 'key-a')).not.toBe(line);
	});

	it('forgets a line unused for 10 minutes when the map is next used, and keeps at most 200', () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const old = paceLineFor('api.example:443', 'idle-key');
		vi.setSystemTime(Date.now() + 10 * 60_000 + 1);
		paceLineFor('api.example:443', 'another-key');
		expect(paceLineFor('api.example:443', 'idle-key')).not.toBe(old);
		for (let k = 0; k < 300; k++) paceLineFor('api.example:443', `crowd-${k}`);
		vi.setSystemTime(Date.now() + 1000);
		paceLineFor('api.example:443', 'one-more');
		expect(paceLineCount()).toBeLessThanOrEqual(200);
	});

	it('serves runs oldest request first, each within its own Concurrency', async () => {
		const line = paceLineFor('fifo.example:443', 'key');
		const one = new RunSlots(1, undefined, () => new Error('cancelled'));
		const other = new RunSlots(5, undefined, () => new Error('cancelled'));
		const granted: string[] = [];
		const wait = (slots: RunSlots, name: string, order: number) =>
			line.waitForTurn(slots, place(order)).then((turn) => {
				granted.push(name);
				return turn;
			});
		const first = wait(one, 'one-0', 0);
		const second = wait(one, 'one-1', 1); // waits for one's only slot
		const third = wait(other, 'other-2', 2);
		const turn = await first;
		await third;
		expect(granted).toEqual(['one-0', 'other-2']);
		turn?.finish('taken');
		(await second)?.finish('taken');
		expect(granted).toEqual(['one-0', 'other-2', 'one-1']);
	});

	it("drops a cancelled run's waiting requests at once, and only those", async () => {
		const line = paceLineFor('cancel.example:443', 'key');
		const controller = new AbortController();
		const cancelled = new RunSlots(1, controller.signal, () => new Error('cancelled'));
		const busy = await line.waitForTurn(cancelled, place(0)); // holds its one slot
		const waiting = line.waitForTurn(cancelled, place(1));
		const other = new RunSlots(1, undefined, () => new Error('cancelled'));
		controller.abort();
		await expect(waiting).rejects.toThrow('cancelled');
		expect(await line.waitForTurn(other, place(2))).not.toBeNull();
		busy?.finish('unused');
	});
});
