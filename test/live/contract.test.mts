// npm run test:live: the contract check (contract.mts) against the API at PIXAZO_SUBMIT_BASE_URL
// and PIXAZO_POLL_BASE_URL (the credential's defaults when unset) with the key in PIXAZO_API_KEY.
// Without a key every case is skipped, by name, with the reason, and nothing is sent.
// At most one small job is sent (512x512, 10 steps); the credential test and the wrong key ask the
// polling endpoint about jobs that do not exist. npm test runs this file against the simulator
// in its own process (test/tooling/liveCheck.test.mts); it is not part of npm test otherwise.
import { describe, expect, it } from 'vitest';

import {
	type Answer,
	CASES,
	checkDoneAnswer,
	checkDownload,
	checkRejectedKey,
	checkRunningAnswer,
	checkSubmitAnswer,
	poll,
	smallJob,
	submit,
	type SubmitOutcome,
	WRONG_KEY,
	waitUntilDone,
} from './contract.mts';
import { liveSettings, NO_KEY_REASON, ROOT } from './settings.mjs';

const settings = liveSettings();
const target = settings.key ? { ...settings, key: settings.key } : null;

/** What the cases learn from each other (the one job). */
const seen: {
	submit?: SubmitOutcome;
	firstAnswer?: Answer;
	imageUrls?: string[];
	failed: Set<string>;
} = { failed: new Set() };

type Ctx = { skip: (note?: string) => never; task: { name: string } };

/** A case: skipped with the reason when there is no key or what it needs did not happen. */
function check(name: string, run: (t: NonNullable<typeof target>, ctx: Ctx) => Promise<void>) {
	it(name, async (ctx) => {
		if (!target) ctx.skip(NO_KEY_REASON);
		try {
			await run(target!, ctx as unknown as Ctx);
		} catch (err) {
			seen.failed.add(name);
			throw err;
		}
	});
}

describe.sequential(`the API at ${settings.submitBaseUrl} and ${settings.pollBaseUrl}`, () => {
	check(CASES.credential, async (t) => {
		// The credential's own test through n8n's engine, with the submit base URL pointed at a local
		// tripwire: anything sent there would be a generation; nothing must be.
		const { loadPackage, testCredential } = await import('../harness/engine.mjs');
		const { startEavesdropper } = await import('../harness/eavesdropper.mjs');
		const tripwire = await startEavesdropper();
		try {
			const pkg = await loadPackage(ROOT);
			const result = await testCredential(pkg, 'pixazoApi', {
				subscriptionKey: t.key,
				submitBaseUrl: tripwire.url,
				pollBaseUrl: t.pollBaseUrl,
			});
			expect(result, `the credential test said: ${result.message}`).toMatchObject({ status: 'OK' });
			expect(tripwire.requests(), 'requests sent to the submit base URL').toEqual([]);
		} finally {
			await tripwire.close();
		}
	});

	check(CASES.wrongKey, async (t) => {
		checkRejectedKey(await poll(t, 'n8n-live-check-wrong-key', WRONG_KEY));
	});

	check(CASES.submit, async (t) => {
		seen.submit = checkSubmitAnswer(await submit(t, smallJob()));
		if (seen.submit.kind === 'image') seen.imageUrls = [seen.submit.imageUrl];
	});

	check(CASES.running, async (t, ctx) => {
		const job = seen.submit;
		if (!job) return ctx.skip(`no job: "${CASES.submit}" did not pass`);
		if (job.kind === 'image')
			return ctx.skip('the submit answered the image at once: no job to check');
		seen.firstAnswer = await poll(t, job.jobSetId);
		if (checkRunningAnswer(seen.firstAnswer, job.jobSetId) === 'done')
			ctx.skip('the job was already done at its first check, right after the submit');
	});

	check(CASES.done, async (t, ctx) => {
		const job = seen.submit;
		if (!job) return ctx.skip(`no job: "${CASES.submit}" did not pass`);
		if (job.kind === 'image')
			return ctx.skip('the submit answered the image at once: no job to check');
		if (seen.failed.has(CASES.running)) return ctx.skip(`"${CASES.running}" failed`);
		const { answer } = await waitUntilDone(t, job.jobSetId, seen.firstAnswer ?? null);
		seen.imageUrls = checkDoneAnswer(answer, job.jobSetId);
	});

	check(CASES.download, async (_t, ctx) => {
		if (!seen.imageUrls) return ctx.skip('no image URL: the job did not pass its checks');
		const { format, bytes } = await checkDownload(seen.imageUrls[0]);
		expect(bytes).toBeGreaterThan(0);
		expect(['PNG', 'JPEG', 'GIF', 'WebP']).toContain(format);
	});
});
