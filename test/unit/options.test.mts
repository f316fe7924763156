import { describe, expect, it } from 'vitest';

import { optionsProperty } from '../../nodes/Inpaint/actions/options.description';
import { NUMBER_OPTIONS, readRunOptions } from '../../nodes/Inpaint/helpers/options';

type Field = {
	name: string;
	type: string;
	displayName: string;
	default: unknown;
	typeOptions?: Record<string, unknown>;
};

const fields = optionsProperty.options as Field[];
const node = {
	name: 'Inpaint',
	type: 'inpaint',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as never;

describe('the Options collection and the checks read one source', () => {
	it('every number field is one of NUMBER_OPTIONS, with its default, range and label', () => {
		const numbers = fields.filter((f) => f.type === 'number');
		expect(numbers.map((f) => f.name).sort()).toEqual(Object.keys(NUMBER_OPTIONS).sort());
		for (const field of numbers) {
			const option = NUMBER_OPTIONS[field.name as keyof typeof NUMBER_OPTIONS];
			expect(field.default).toBe(option.default);
			expect(field.typeOptions?.minValue).toBe(option.min);
			expect(field.typeOptions?.maxValue).toBe(option.max);
			// Error messages name the option as the editor does (without its unit).
			expect(field.displayName.replace(/ \((Seconds|MB)\)$/, '')).toBe(option.label);
		}
	});

	it('an option left out takes the default the editor shows', () => {
		const shown = Object.fromEntries(fields.map((f) => [f.name, f.default]));
		const options = readRunOptions(node, {}, 0);
		expect(options.pollIntervalMs).toBe((shown.pollInterval as number) * 1000);
		expect(options.timeoutMs).toBe((shown.timeout as number) * 1000);
		expect(options.concurrency).toBe(shown.concurrency);
		expect(options.maxImageBytes).toBe((shown.maxImageSizeMb as number) * 1024 * 1024);
		expect(options.downloadImages).toBe(shown.downloadImages);
		expect(options.binaryPropertyName).toBe(shown.binaryPropertyName);
		expect(options.onTimeout).toBe(shown.onTimeout);
	});

	it('every duration stays far below what a timer can hold (2^31 ms, about 24.8 days)', () => {
		for (const option of Object.values(NUMBER_OPTIONS))
			if (option.unit === 'seconds') expect(option.max * 1000).toBeLessThan(2 ** 31);
	});

	it('Max Pause on 429 accepts 0 (never pause), as its description says', () => {
		expect(NUMBER_OPTIONS.maxRetryAfter.min).toBe(0);
		expect(readRunOptions(node, { maxRetryAfter: 0 }, 0).maxRetryAfterMs).toBe(0);
	});

	it('editor texts stay short; the README says the rest', () => {
		for (const field of fields)
			expect((field as { description?: string }).description?.length ?? 0).toBeLessThanOrEqual(200);
	});
});
