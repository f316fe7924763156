// What the node learns of the API's limit belongs to the n8n process and the key, not to one
// execution: every execution in the process shares it, a new one starts at what is known, another
// key learns alone, and a cancelled execution leaves the line (forgetting: checkTiming.test).
import { describe, expect, it } from 'vitest';

import type { Env, InpaintRun } from './env.mts';
import { perItemParams, promptItems, runInpaint, useEnv } from './env.mts';

/** Answers refused with 429, over the whole log or from the `from`-th request on. */
function refused(env: Env, from = 0): number {
	return env.sim
		.requests()
		.slice(from)
		.filter((r: any) => r.status === 429).length;
}

/** A token bucket of 5 requests a second (a second's burst), counted per key as the gateway does. */
const FIVE_PER_SECOND = { type: 'tokenBucket', ratePerSec: 5, burst: 5 } as const;

/** `count` one-item executions, each started once the previous one's submit reached the API. */
async function oneAfterAnother(env: Env, count: number, tag: string): Promise<InpaintRun[]> {
	const runs: Array<Promise<InpaintRun>> = [];
	const start = () => {
		const n = runs.length;
		const items = [{ json: { prompt: `${tag} ${n}` } }];
		runs.push(runInpaint(env, perItemParams(env), { items }));
	};
	const stop = env.sim.onRequest((entry: any) => {
		if (entry.endpoint === 'submit' && runs.length < count) start();
	});
	start();
	const done: InpaintRun[] = [];
	while (done.length < count) done.push(await runs[done.length]);
	stop();
	return done;
}

describe('one pace per API host and key, for the whole n8n process', () => {
	const env = useEnv({ mode: 'sync' });

	it('thirty one-item executions arriving one after another share one pace: few meet a 429', async () => {
		env.sim.configure({ rateLimit: FIVE_PER_SECOND });
		const runs = await oneAfterAnother(env, 30, 'arrival');
		for (const { run, items } of runs) {
			expect(run.status).toBe('success');
			expect(items[0].json.status).toBe('succeeded');
		}
		expect(env.sim.stats().jobsCreated).toBe(30);
		// Each execution learning alone would send into the limit: most of the thirty refused.
		expect(refused(env)).toBeLessThanOrEqual(3);
	});

	it('a new execution starts at the pace the process learned; a second key learns its own', async () => {
		env.sim.configure({ rateLimit: FIVE_PER_SECOND });
		const first = await runInpaint(env, perItemParams(env), { items: promptItems(20) });
		expect(first.run.status).toBe('success');
		expect(refused(env)).toBeGreaterThanOrEqual(1); // it met the limit, and learned it

		const mark = env.sim.requests().length;
		const again = await runInpaint(env, perItemParams(env), {
			items: promptItems(20, (n) => ({ prompt: `again ${n}` })),
		});
		expect(again.run.status).toBe('success');
		expect(refused(env, mark)).toBeLessThanOrEqual(1);

		// Another key: its own limit at the gateway, and nothing known of it in the process yet.
		env.sim.useKey(`${env.credentials.subscriptionKey}-other`);
		const otherKey = { ...env.credentials, subscriptionKey: env.sim.key };
		const markOther = env.sim.requests().length;
		const other = await runInpaint(env, perItemParams(env), {
			items: promptItems(20, (n) => ({ prompt: `other key ${n}` })),
			credentials: otherKey,
		});
		expect(other.run.status).toBe('success');
		// Ten submits at once meet the other key's five tokens.
		expect(refused(env, markOther)).toBeGreaterThanOrEqual(3);
	});

	it('a cancelled execution leaves the line at once; the others keep their places and finish', async () => {
		env.sim.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: 4, burst: 1 } });
		const isA = (r: any) => String(r.body?.prompt ?? '').startsWith('A ');
		let b: Promise<InpaintRun> | undefined;
		let sentWhenBStarted = 0;
		const stop = env.sim.onRequest(() => {
			if (b || refused(env) === 0) return;
			// A has met the limit: most of its items wait in the line, and B's join them there.
			sentWhenBStarted = env.sim.requests().length;
			b = runInpaint(env, perItemParams(env), {
				items: promptItems(6, (n) => ({ prompt: `B ${n}` })),
			});
		});
		const a = await runInpaint(env, perItemParams(env), {
			items: promptItems(30, (n) => ({ prompt: `A ${n}` })),
			cancelWhen: () => b !== undefined && env.sim.requests().length >= sentWhenBStarted + 2,
		});
		stop();
		expect(a.run.status).toBe('canceled');
		const sentByA = env.sim.requests().filter(isA);
		expect(sentByA.length).toBeLessThan(30); // most of A was still waiting
		// After its cancellation A sends nothing more (one request may have been on its way).
		const cancelledAt = a.run.cancelledAt as number;
		expect(sentByA.filter((r: any) => r.time > cancelledAt).length).toBeLessThanOrEqual(1);
		const bRun = await (b as Promise<InpaintRun>);
		expect(bRun.run.status).toBe('success');
		expect(bRun.items.map((i) => i.json.status)).toEqual(Array(6).fill('succeeded'));
	});
});
