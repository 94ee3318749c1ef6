CREATE INDEX `digest_deliveries_recipient` ON `digest_deliveries` (`recipient`,`id`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_type_id` ON `digest_deliveries` (`event_type`,`id`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_status_id` ON `digest_deliveries` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_created` ON `digest_deliveries` (`created_at`);--> statement-breakpoint
CREATE INDEX `digest_events_recipient` ON `digest_events` (`recipient`,`delivery_id`);