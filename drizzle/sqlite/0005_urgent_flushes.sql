CREATE TABLE `digest_flushes` (
	`type` text NOT NULL,
	`recipient` text NOT NULL,
	`event_id` integer NOT NULL,
	`requested_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	PRIMARY KEY(`type`, `recipient`)
);
