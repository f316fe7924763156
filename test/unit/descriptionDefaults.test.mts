import { describe, expect, it } from 'vitest';

import { optionsProperty } from '../../nodes/Inpaint/actions/options.description';
import { OPTION_DEFAULTS } from '../../nodes/Inpaint/helpers/options';

describe('the Options collection', () => {
	it('shows the same defaults the code applies when an option is not set', () => {
		const shown = Object.fromEntries(
			(optionsProperty.options ?? []).map((o) => [
				'name' in o ? o.name : '',
				'default' in o ? o.default : undefined,
			]),
		);
		expect(shown).toEqual(OPTION_DEFAULTS);
	});
});
