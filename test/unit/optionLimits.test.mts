import { describe, expect, it } from 'vitest';

import { optionsProperty } from '../../nodes/Inpaint/actions/options.description';
import { OPTION_LIMITS } from '../../nodes/Inpaint/helpers/options';

type Option = {
	name: string;
	type: string;
	displayName: string;
	typeOptions?: Record<string, unknown>;
};

const numberOptions = (optionsProperty.options as Option[]).filter((o) => o.type === 'number');

describe("the editor's limits on number options are the ones the code checks", () => {
	it('every number option has a limit in OPTION_LIMITS, and every limit belongs to a number option', () => {
		expect(numberOptions.map((o) => o.name).sort()).toEqual(Object.keys(OPTION_LIMITS).sort());
	});

	it.each(numberOptions.map((o) => [o.name, o] as const))(
		'%s: minValue and maxValue equal OPTION_LIMITS',
		(name, option) => {
			const limits = OPTION_LIMITS[name as keyof typeof OPTION_LIMITS];
			expect(option.typeOptions?.minValue).toBe(limits.min);
			expect(option.typeOptions?.maxValue).toBe(limits.max);
			// The label in the error messages is the field's name in the editor (without its unit).
			expect(option.displayName.replace(/ \(Seconds\)$/, '')).toBe(limits.label);
		},
	);

	it('every duration stays far below what a timer can hold (2^31 ms, about 24.8 days)', () => {
		for (const key of [
			'pollInterval',
			'timeout',
			'retryDelay',
			'maxRetryAfter',
			'requestTimeout',
		] as const) {
			expect(OPTION_LIMITS[key].max * 1000).toBeLessThan(2 ** 31);
		}
	});

	it('Max Pause on 429 accepts 0 (never pause), as its description says', () => {
		expect(OPTION_LIMITS.maxRetryAfter.min).toBe(0);
	});
});
