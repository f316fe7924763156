import { describe, expect, it } from 'vitest';

import { CREDENTIAL_NAME, PixazoApi } from '../../credentials/PixazoApi.credentials';

describe('the Pixazo API credential', () => {
	it('is named as the node asks for it', () => {
		expect(new PixazoApi().name).toBe(CREDENTIAL_NAME);
	});
});
