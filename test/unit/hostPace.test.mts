import { describe, expect, it } from 'vitest';

import { HostPace } from '../../nodes/Inpaint/transport/pace/hostPace';

/** A host that took `perSecond` requests a second from `from` to `to` (ms), as the pace saw them. */
function fed(pace: HostPace, from: number, to: number, perSecond: number) {
	for (let t = from; t < to; t += 1000 / perSecond) pace.answered(t, t, 'taken');
}

describe('HostPace: the learned pace of one host', () => {
	it('is free until the host refuses something', () => {
		const pace = new HostPace(0);
		fed(pace, 0, 5000, 50);
		expect(pace.rate(5000)).toBe(Infinity);
		expect(pace.readyAt(false)).toBe(0);
	});

	it('at the first 429, drops to 80 % of what the host took over the last seconds, and honours its Retry-After', () => {
		const pace = new HostPace(0);
		fed(pace, 0, 5000, 10);
		pace.answered(5000, 4990, 'limited', 1000);
		expect(pace.rate(5000)).toBeGreaterThan(7.5);
		expect(pace.rate(5000)).toBeLessThanOrEqual(8);
		expect(pace.readyAt(false)).toBeGreaterThanOrEqual(6000);
	});

	it('climbs back to the limit it found in about 3.4 s, stays within 2 % of it for about 3 s, then probes above it', () => {
		const pace = new HostPace(0);
		fed(pace, 0, 5000, 10);
		pace.answered(5000, 4990, 'limited');
		const at = (s: number) => pace.rate(5000 + s * 1000);
		expect(at(1)).toBeLessThan(10);
		expect(at(3.4)).toBeCloseTo(10, 0);
		expect(at(4.5)).toBeGreaterThan(9.7);
		expect(at(4.5)).toBeLessThan(10.2);
		expect(at(8)).toBeGreaterThan(11);
	});

	it('leaves a limit that has lifted behind within about 15 s', () => {
		const pace = new HostPace(0);
		fed(pace, 0, 5000, 10);
		pace.answered(5000, 4990, 'limited');
		expect(pace.rate(5000 + 15_000)).toBe(Infinity);
	});

	it('is not cut again by 429s for requests sent before the last cut (they answer the old pace)', () => {
		const pace = new HostPace(0);
		fed(pace, 0, 5000, 10);
		pace.answered(5000, 4990, 'limited');
		const after = pace.rate(5100);
		pace.answered(5100, 4995, 'limited');
		expect(pace.rate(5100)).toBeCloseTo(after, 5);
		// A 429 for a request sent after the cut says the new pace is still too fast.
		pace.answered(5200, 5150, 'limited');
		expect(pace.rate(5200)).toBeLessThan(after);
	});

	it('spaces status checks to a failing host, one probe at a time, while submits are not held', () => {
		const pace = new HostPace(0);
		pace.answered(1000, 900, 'failed');
		pace.answered(1001, 901, 'failed'); // in flight together: one step of the streak
		expect(pace.readyAt(true)).toBe(1001 + 250);
		expect(pace.readyAt(false)).toBe(0);
		pace.started(1251, true);
		pace.answered(1300, 1251, 'failed');
		expect(pace.readyAt(true)).toBe(1300 + 500);
		pace.answered(1900, 1800, 'taken');
		expect(pace.readyAt(true)).toBeLessThanOrEqual(1900);
	});

	it('remembers when the host last took a request (a bound for submits it keeps refusing)', () => {
		const pace = new HostPace(100);
		expect(pace.lastTakenAt).toBe(100);
		pace.answered(2000, 1900, 'limited');
		expect(pace.lastTakenAt).toBe(100);
		pace.answered(3000, 2900, 'taken');
		expect(pace.lastTakenAt).toBe(3000);
	});
});
