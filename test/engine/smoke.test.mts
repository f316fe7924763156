// The shortest run through n8n's engine: Submit waits for the job and outputs its image URL.
import { describe, expect, it } from 'vitest';

import { fast, runInpaint, submitParams, useEnv } from './env.mts';

describe('smoke', () => {
	const env = useEnv();
	it('submits, waits and outputs the image URL through the engine', async () => {
		const { run, items } = await runInpaint(env, submitParams(env, { options: fast }));
		expect(run.status).toBe('success');
		expect(items).toHaveLength(1);
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].json.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\/.+\.png$/);
	});
});
