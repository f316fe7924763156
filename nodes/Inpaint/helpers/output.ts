import type { IDataObject } from 'n8n-workflow';

import type { JobSnapshot } from './normalize';

/** The item a finished, failed-over or still-running job becomes (fields fixed by INTERFACE.md). */
export function toOutputJson(snapshot: JobSnapshot): IDataObject {
	const imageUrls = snapshot.results
		.map((r) => r.imageUrl)
		.filter((url): url is string => typeof url === 'string');
	return {
		status: snapshot.state === 'succeeded' ? 'succeeded' : snapshot.status,
		jobSetId: snapshot.jobSetId,
		imageUrl: imageUrls[0] ?? null,
		imageUrls,
		results: snapshot.results,
		raw: snapshot.raw,
	};
}
