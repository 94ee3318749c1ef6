CREATE INDEX `digest_deliveries_sent` ON `digest_deliveries` (`status`,`sent_at`);--> statement-breakpoint
CREATE INDEX `digest_events_processed` ON `digest_events` (`processed_at`);--> statement-breakpoint
CREATE INDEX `digest_runs_status` ON `digest_runs` (`status`,`finished_at`);