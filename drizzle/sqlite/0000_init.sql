CREATE TABLE `digest_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`event_type` text NOT NULL,
	`recipient` text NOT NULL,
	`group_key` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`lease_token` text,
	`lease_until` text,
	`transport` text NOT NULL,
	`address` text,
	`subject` text,
	`text` text,
	`html` text,
	`message_id` text,
	`error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`sent_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digest_deliveries_group` ON `digest_deliveries` (`run_id`,`group_key`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_due` ON `digest_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_type_status` ON `digest_deliveries` (`event_type`,`status`);--> statement-breakpoint
CREATE TABLE `digest_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`recipient` text NOT NULL,
	`payload` text NOT NULL,
	`idempotency_key` text,
	`occurred_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`available_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`recorded_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`delivery_id` integer,
	`processed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digest_events_idempotency` ON `digest_events` (`type`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `digest_events_claim` ON `digest_events` (`type`,`delivery_id`,`recipient`,`available_at`);--> statement-breakpoint
CREATE INDEX `digest_events_delivery` ON `digest_events` (`delivery_id`);--> statement-breakpoint
CREATE TABLE `digest_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_type` text NOT NULL,
	`slot_at` text,
	`trigger` text NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`events_claimed` integer DEFAULT 0 NOT NULL,
	`deliveries_created` integer DEFAULT 0 NOT NULL,
	`deliveries_sent` integer DEFAULT 0 NOT NULL,
	`deliveries_failed` integer DEFAULT 0 NOT NULL,
	`owner` text NOT NULL,
	`started_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`finished_at` text,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digest_runs_slot` ON `digest_runs` (`event_type`,`slot_at`);--> statement-breakpoint
CREATE INDEX `digest_runs_type_started` ON `digest_runs` (`event_type`,`started_at`);--> statement-breakpoint
CREATE TABLE `digest_workers` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`heartbeat_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL
);
