CREATE TABLE `digest_suppressions` (
	`address` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL
);
--> statement-breakpoint
DROP INDEX `digest_events_claim`;--> statement-breakpoint
ALTER TABLE `digest_events` ADD `held_until` text;--> statement-breakpoint
CREATE INDEX `digest_events_held` ON `digest_events` (`held_until`,`type`);--> statement-breakpoint
CREATE INDEX `digest_events_claim` ON `digest_events` (`type`,`delivery_id`,`held_until`,`recipient`,`available_at`);--> statement-breakpoint
ALTER TABLE `digest_deliveries` ADD `slot_at` text;--> statement-breakpoint
ALTER TABLE `digest_deliveries` ADD `slot_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `digest_deliveries_slot` ON `digest_deliveries` (`slot_key`);