-- CHECK (json_valid(payload)), as MySQL's JSON column has (issue 11, item 3).
-- SQLite cannot add a constraint to a table: the table is rebuilt (generated
-- by drizzle-kit), with two hand-written steps marked below.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_digest_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`recipient` text NOT NULL,
	`payload` text NOT NULL,
	`idempotency_key` text,
	`occurred_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`available_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`recorded_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	`delivery_id` integer,
	`processed_at` text,
	CONSTRAINT "digest_events_payload_json" CHECK(json_valid("payload"))
);
--> statement-breakpoint
-- Hand-written: a row already holding invalid JSON would fail the copy. It is
-- kept, as a JSON string of its text: its delivery then fails alone with
-- "payload is not a JSON object", and the text is still there to read.
UPDATE `digest_events` SET `payload` = json_quote(`payload`) WHERE json_valid(`payload`) = 0;
--> statement-breakpoint
INSERT INTO `__new_digest_events`("id", "type", "recipient", "payload", "idempotency_key", "occurred_at", "available_at", "recorded_at", "delivery_id", "processed_at") SELECT "id", "type", "recipient", "payload", "idempotency_key", "occurred_at", "available_at", "recorded_at", "delivery_id", "processed_at" FROM `digest_events`;--> statement-breakpoint
-- Hand-written: keep the AUTOINCREMENT high-water mark, so ids of deleted
-- events are never handed out again.
DELETE FROM sqlite_sequence WHERE name = '__new_digest_events';--> statement-breakpoint
INSERT INTO sqlite_sequence (name, seq) SELECT '__new_digest_events', seq FROM sqlite_sequence WHERE name = 'digest_events';--> statement-breakpoint
DROP TABLE `digest_events`;--> statement-breakpoint
ALTER TABLE `__new_digest_events` RENAME TO `digest_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `digest_events_idempotency` ON `digest_events` (`type`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `digest_events_claim` ON `digest_events` (`type`,`delivery_id`,`recipient`,`available_at`);--> statement-breakpoint
CREATE INDEX `digest_events_delivery` ON `digest_events` (`delivery_id`);