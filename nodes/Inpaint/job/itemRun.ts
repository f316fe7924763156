import type { IBinaryKeyData, IDataObject } from 'n8n-workflow';

import type { RunOptions } from '../helpers/options';
import type { Endpoints } from '../transport/endpoints';
import type { NodeRun } from '../transport/nodeRun';

/** What an item becomes. */
export interface ItemResult {
	json: IDataObject;
	binary?: IBinaryKeyData;
}

/** The job the API accepted for an item, as last seen. */
interface AcceptedJob {
	jobSetId: string;
	status: string;
}

/** Every job the API accepted in this run, by item, so that none is ever lost in an error. */
export class AcceptedJobs {
	private readonly byItem = new Map<number, AcceptedJob>();

	record(itemIndex: number, jobSetId: string | null, status: string): void {
		if (jobSetId) this.byItem.set(itemIndex, { jobSetId, status });
	}

	of(itemIndex: number): AcceptedJob | undefined {
		return this.byItem.get(itemIndex);
	}

	/** The jobs of every item but `itemIndex`, as "item 3: jobset_… (pending)". */
	othersThan(itemIndex: number): string[] {
		return [...this.byItem.entries()]
			.filter(([index]) => index !== itemIndex)
			.map(([index, job]) => `item ${index}: ${job.jobSetId} (${job.status})`);
	}
}

/** One item's work in the run: its options, the endpoints, and the run it belongs to. */
export interface ItemRun {
	run: NodeRun;
	itemIndex: number;
	options: RunOptions;
	endpoints: Endpoints;
	jobs: AcceptedJobs;
}

/** An item's work, planned before anything is sent. */
export type ItemTask = (item: ItemRun) => Promise<ItemResult>;
