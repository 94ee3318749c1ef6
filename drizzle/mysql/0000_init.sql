CREATE TABLE `digest_deliveries` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`run_id` bigint unsigned NOT NULL,
	`event_type` varchar(191) NOT NULL,
	`recipient` varchar(191) NOT NULL,
	`group_key` varchar(191) NOT NULL,
	`status` varchar(16) NOT NULL DEFAULT 'pending',
	`attempts` int NOT NULL DEFAULT 0,
	`next_attempt_at` datetime(3),
	`lease_token` varchar(36),
	`lease_until` datetime(3),
	`transport` varchar(64) NOT NULL,
	`address` varchar(320),
	`subject` text,
	`text` mediumtext,
	`html` mediumtext,
	`message_id` varchar(255),
	`error` text,
	`created_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`updated_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`sent_at` datetime(3),
	CONSTRAINT `digest_deliveries_id` PRIMARY KEY(`id`),
	CONSTRAINT `digest_deliveries_group` UNIQUE(`run_id`,`group_key`)
);
--> statement-breakpoint
CREATE TABLE `digest_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`type` varchar(191) NOT NULL,
	`recipient` varchar(191) NOT NULL,
	`payload` json NOT NULL,
	`idempotency_key` varchar(191),
	`occurred_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`available_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`recorded_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`delivery_id` bigint unsigned,
	`processed_at` datetime(3),
	CONSTRAINT `digest_events_id` PRIMARY KEY(`id`),
	CONSTRAINT `digest_events_idempotency` UNIQUE(`type`,`idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `digest_runs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_type` varchar(191) NOT NULL,
	`slot_at` datetime(3),
	`trigger` varchar(16) NOT NULL,
	`status` varchar(16) NOT NULL DEFAULT 'running',
	`events_claimed` int NOT NULL DEFAULT 0,
	`deliveries_created` int NOT NULL DEFAULT 0,
	`deliveries_sent` int NOT NULL DEFAULT 0,
	`deliveries_failed` int NOT NULL DEFAULT 0,
	`owner` varchar(191) NOT NULL,
	`started_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`finished_at` datetime(3),
	`error` text,
	CONSTRAINT `digest_runs_id` PRIMARY KEY(`id`),
	CONSTRAINT `digest_runs_slot` UNIQUE(`event_type`,`slot_at`)
);
--> statement-breakpoint
CREATE TABLE `digest_workers` (
	`id` varchar(64) NOT NULL,
	`host` varchar(191) NOT NULL,
	`pid` int NOT NULL,
	`started_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	`heartbeat_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	CONSTRAINT `digest_workers_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `digest_deliveries_due` ON `digest_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `digest_deliveries_type_status` ON `digest_deliveries` (`event_type`,`status`);--> statement-breakpoint
CREATE INDEX `digest_events_claim` ON `digest_events` (`type`,`delivery_id`,`recipient`,`available_at`);--> statement-breakpoint
CREATE INDEX `digest_events_delivery` ON `digest_events` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `digest_runs_type_started` ON `digest_runs` (`event_type`,`started_at`);